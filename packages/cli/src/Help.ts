/**
 * Help text helpers: a description followed by examples, for every command's `--help`.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"

/**
 * The options every command takes. @effect/cli would list its built-ins itself, `--wizard` among them, which enrich
 * refuses (a prompt-driven mode that helps nobody in a pipeline): they are hidden (`showBuiltIns: false`) and
 * described here instead.
 */
const globalOptions = HelpDoc.descriptionList([
  [
    Span.code("--log-level LEVEL"),
    HelpDoc.p(
      "Logs on stderr from this level: all, trace, debug, info, warning (the default), error, fatal, none. " +
        "Anywhere on the line."
    )
  ],
  [Span.code("--completions SHELL"), HelpDoc.p("Print a completion script for bash, zsh, fish or sh, and exit.")],
  [Span.code("-h, --help"), HelpDoc.p("Show this help.")],
  [Span.code("--version"), HelpDoc.p("Print the version.")]
])

/**
 * A command description: paragraphs, then an EXAMPLES section of `$ command` lines with what each does, then the
 * GLOBAL OPTIONS every command takes.
 */
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
    ]),
    HelpDoc.h1("GLOBAL OPTIONS"),
    globalOptions
  ])
