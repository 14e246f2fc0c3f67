/**
 * Writing to the standard streams. Results go to stdout, waiting for each write to be flushed so that a slow reader (a
 * pipe into `jq`) slows the enrichment down instead of piling output up in memory; a write that fails (a full disk,
 * `> /dev/full`, a reader that went away) is an {@link OutputError}, never a crash. Diagnostics go to stderr on a
 * best-effort basis: a stderr that cannot be written to must not change the outcome of a run.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * Stdout could not be written to. `code` is the system's error code (`ENOSPC`, `EIO`, `EPIPE`): a closed pipe
 * (`enrich ... | head -1`) is the reader's choice and ends the run quietly; anything else is reported.
 */
export class OutputError extends Schema.TaggedError<OutputError>()("OutputError", {
  code: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot write output: ${this.reason}`
  }

  /** True when the reader closed the pipe (`| head -1`). */
  get isClosedPipe(): boolean {
    return this.code === "EPIPE" || this.code === "ERR_STREAM_DESTROYED"
  }
}

/** `ENOSPC: no space left on device, write` becomes `no space left on device (ENOSPC)`. */
const toOutputError = (error: unknown): OutputError => {
  const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "UNKNOWN"
  const text = error instanceof Error ? error.message : String(error)
  const match = /^([A-Z0-9_]+): (.*?)(?:, \w+)?$/.exec(text)
  return new OutputError({ code, reason: match !== null ? `${match[2]} (${match[1]})` : text })
}

/**
 * Writes `text` to `stream`, synchronously or not (a file is written synchronously and throws; a pipe reports its
 * error to the callback), and tells `done` the outcome exactly once.
 */
const writeTo = (stream: NodeJS.WriteStream, text: string, done: (error: unknown) => void): void => {
  let called = false
  const once = (error: unknown) => {
    if (called) return
    called = true
    done(error)
  }
  try {
    stream.write(text, (error) => once(error ?? undefined))
  } catch (error) {
    once(error)
  }
}

// A write error is also emitted as an `error` event; without a listener Node would throw it as uncaught. The error is
// handled where the write is made (the callback above), so these listeners only keep Node from crashing.
const ignore = () => {}

/** Installs the listeners that stop Node from crashing on a failed write to stdout or stderr (once, from Main). */
export const installErrorListeners = (): void => {
  process.stdout.on("error", ignore)
  process.stderr.on("error", ignore)
}

/** Writes text to stdout and waits until it has been handed to the operating system. */
export const write = (text: string): Effect.Effect<void, OutputError> =>
  text.length === 0 ? Effect.void : Effect.async<void, OutputError>((resume) => {
    writeTo(
      process.stdout,
      text,
      (error) => resume(error === undefined ? Effect.void : Effect.fail(toOutputError(error)))
    )
  })

/** Writes text to stderr if it can; a failure is ignored (there is nowhere left to report it). */
export const writeStderr = (text: string): void => {
  if (text.length > 0) writeTo(process.stderr, text, ignore)
}
