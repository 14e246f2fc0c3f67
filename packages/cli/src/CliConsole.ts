/**
 * The Console @effect/cli prints through (help, usage errors, completion scripts): without ANSI colours unless the
 * stream is a terminal and `NO_COLOR` is unset (https://no-color.org), and with stdout's write errors reported as an
 * {@link Stdout.OutputError} (exit 74) instead of a crash.
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stdout from "./Stdout.js"

const ansiSequences = /\u001b\[[0-9;]*[A-Za-z]/g

/** Removes ANSI escape sequences (colours, bold) from text. */
export const stripAnsi = (text: string): string => text.replace(ansiSequences, "")

/** True when colours may be written to `stream`: it is a terminal, and `NO_COLOR` is unset or empty. */
export const colorsFor = (
  stream: { readonly isTTY?: boolean | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env
): boolean => stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "")

const format = (args: ReadonlyArray<unknown>): string => `${args.map(String).join(" ")}\n`

/** Replaces the default Console's `log` (stdout) and `error` (stderr) for the command tree. */
export const layer: Layer.Layer<never> = Layer.unwrapEffect(Effect.map(Effect.console, (base) =>
  Console.setConsole({
    ...base,
    log: (...args: ReadonlyArray<unknown>) =>
      Effect.suspend(() => {
        const text = format(args)
        return Stdout.write(colorsFor(process.stdout) ? text : stripAnsi(text))
      }).pipe(Effect.orDie),
    error: (...args: ReadonlyArray<unknown>) =>
      Effect.sync(() => {
        const text = format(args)
        Stdout.writeStderr(colorsFor(process.stderr) ? text : stripAnsi(text))
      })
  })))
