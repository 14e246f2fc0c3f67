/**
 * The CLI's logger: logfmt lines on stderr (stdout carries only results). Once the configuration is read, the logger
 * is replaced by one that scrubs the secrets it was given (the API token) from every line, as a last line of defence:
 * secrets are `Redacted` everywhere; this catches a mistake, it is not the plan.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Stdout from "./Stdout.js"

/** Replaces every one of `secrets` in `text` with `<redacted>`; very short values are left alone (see below). */
const scrub = (text: string, secrets: ReadonlyArray<Redacted.Redacted>): string => {
  let result = text
  for (const secret of secrets) {
    const value = Redacted.value(secret)
    // Very short values would scrub ordinary words; real tokens are long.
    if (value.length >= 8) result = result.split(value).join("<redacted>")
  }
  return result
}

/** A logfmt logger writing to stderr, with `secrets` scrubbed from every line. */
const make = (secrets: ReadonlyArray<Redacted.Redacted>): Logger.Logger<unknown, void> =>
  Logger.logfmtLogger.pipe(Logger.map((line) => Stdout.writeStderr(`${scrub(line, secrets)}\n`)))

/** The logger before any secret is known. */
const plain = make([])

/** Installs the stderr logger with `Warning` as the default level (`--log-level` lowers or raises it). */
export const layer: Layer.Layer<never> = Layer.merge(
  Logger.replace(Logger.defaultLogger, plain),
  Logger.minimumLogLevel(LogLevel.Warning)
)

/** Replaces the logger installed by {@link layer} by one that scrubs `secrets`, for what the layer is provided to. */
export const layerScrubbing = (secrets: ReadonlyArray<Redacted.Redacted>): Layer.Layer<never> =>
  Logger.replace(plain, make(secrets))
