/**
 * The CLI's logger: logfmt lines on stderr (stdout carries only results), with every known secret scrubbed from the
 * text as a last line of defence (secrets are `Redacted` everywhere; this catches a mistake, it is not the plan).
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

const secrets = new Set<string>()

/** Registers a secret value (the API token) so it never appears in anything the CLI prints on stderr. */
export const registerSecret = (value: string): void => {
  // Very short values would scrub ordinary words; real tokens are long.
  if (value.length >= 8) secrets.add(value)
}

/** Replaces every registered secret in `text` with `<redacted>`. */
export const scrub = (text: string): string => {
  let result = text
  for (const secret of secrets) result = result.split(secret).join("<redacted>")
  return result
}

/** A logfmt logger writing to stderr, scrubbed. */
export const stderrLogger: Logger.Logger<unknown, void> = Logger.logfmtLogger.pipe(
  Logger.map((line) => process.stderr.write(`${scrub(line)}\n`)),
  Logger.map(() => undefined)
)

/** Installs {@link stderrLogger} with `Warning` as the default level (`--log-level` lowers or raises it). */
export const layer: Layer.Layer<never> = Layer.merge(
  Logger.replace(Logger.defaultLogger, stderrLogger),
  Logger.minimumLogLevel(LogLevel.Warning)
)
