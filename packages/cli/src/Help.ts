/**
 * Help text helpers: a description followed by examples, for every command's `--help`.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"

/** A command description: paragraphs, then an EXAMPLES section of `$ command` lines with what each does. */
export const describe = (
  paragraphs: ReadonlyArray<string>,
  examples: ReadonlyArray<readonly [command: string, explanation: string]>
): HelpDoc.HelpDoc =>
  HelpDoc.blocks([
    ...paragraphs.map((text) => HelpDoc.p(text)),
    HelpDoc.h1("EXAMPLES"),
    ...examples.flatMap(([command, explanation]) => [
      HelpDoc.p(Span.weak(`# ${explanation}`)),
      HelpDoc.p(Span.code(`$ ${command}`))
    ])
  ])
