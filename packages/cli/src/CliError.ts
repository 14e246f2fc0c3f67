/**
 * The CLI's own errors, and the exit code each one means.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { OutputError } from "./Stdout.js"

/**
 * Exit codes: 0 all answered (found or not found), 1 some failed, 2 usage or configuration, 74 the output could not be
 * written (`EX_IOERR` of sysexits.h), 130 Ctrl-C, 141 the reader closed the pipe (128 + SIGPIPE, what a shell reports
 * for any tool stopped by `| head`).
 */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  OutputFailed: 74,
  Interrupted: 130,
  ClosedPipe: 141
} as const

/** Bad usage or configuration, detected before any request is sent (exit code 2). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/** Some indicators could not be enriched; every result was printed (exit code 1). */
export class EnrichmentsFailed extends Schema.TaggedError<EnrichmentsFailed>()("EnrichmentsFailed", {
  failed: Schema.Number,
  total: Schema.Number
}) {
  override get message(): string {
    return `${this.failed} of ${this.total} indicator${this.total === 1 ? "" : "s"} failed (see error_message)`
  }
}

/**
 * The run was interrupted (Ctrl-C) after its finished results were printed (exit code 130): how many lookups were
 * done (all printed), abandoned while in flight, and never started (when the total is known).
 */
export class Interrupted extends Schema.TaggedError<Interrupted>()("Interrupted", {
  printed: Schema.Number,
  abandoned: Schema.Number,
  total: Schema.optional(Schema.Number)
}) {
  override get message(): string {
    const notStarted = this.total === undefined
      ? "the rest of the input not read"
      : `${Math.max(0, this.total - this.printed - this.abandoned)} not started`
    return `interrupted: ${this.printed} done, ${this.abandoned} abandoned, ${notStarted}`
  }
}

const fromOutputError = (error: OutputError): { readonly code: number; readonly message?: string } =>
  error.isClosedPipe ? { code: ExitCode.ClosedPipe } : { code: ExitCode.OutputFailed, message: error.message }

/**
 * The exit code of a finished run, and the message to print on stderr (none when @effect/cli has already printed a
 * usage error, for success, or when the reader closed the pipe).
 */
export const fromExit = (exit: Exit.Exit<unknown, unknown>): { readonly code: number; readonly message?: string } => {
  if (Exit.isSuccess(exit)) return { code: ExitCode.Ok }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) {
    // Help and completions are printed through a Console that dies with an OutputError when stdout fails.
    const defect = Cause.dieOption(exit.cause)
    if (Option.isSome(defect) && defect.value instanceof OutputError) return fromOutputError(defect.value)
    if (Cause.isInterruptedOnly(exit.cause)) return { code: ExitCode.Interrupted }
    return { code: ExitCode.Failed, message: `unexpected error:\n${Cause.pretty(exit.cause)}` }
  }
  const error = failure.value
  if (ValidationError.isValidationError(error)) {
    return { code: ValidationError.isHelpRequested(error) ? ExitCode.Ok : ExitCode.Usage }
  }
  if (error instanceof UsageError) return { code: ExitCode.Usage, message: error.message }
  if (error instanceof EnrichmentsFailed) return { code: ExitCode.Failed, message: error.message }
  if (error instanceof Interrupted) return { code: ExitCode.Interrupted, message: error.message }
  if (error instanceof OutputError) return fromOutputError(error)
  return { code: ExitCode.Failed, message: error instanceof Error ? error.message : String(error) }
}
