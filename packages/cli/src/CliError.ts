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

/** Exit codes: 0 all answered (found or not found), 1 some failed, 2 usage or configuration, 130 Ctrl-C. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Interrupted: 130
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

/** The run was interrupted (Ctrl-C) after its finished results were printed (exit code 130). */
export class Interrupted extends Schema.TaggedError<Interrupted>()("Interrupted", {
  printed: Schema.Number,
  abandoned: Schema.Number
}) {
  override get message(): string {
    return `interrupted: ${this.printed} result${this.printed === 1 ? "" : "s"} printed` +
      (this.abandoned > 0 ? `, ${this.abandoned} in flight abandoned` : "") + ", no new work started"
  }
}

/**
 * The exit code of a finished run, and the message to print on stderr (none when @effect/cli has already printed a
 * usage error, or for success).
 */
export const fromExit = (exit: Exit.Exit<unknown, unknown>): { readonly code: number; readonly message?: string } => {
  if (Exit.isSuccess(exit)) return { code: ExitCode.Ok }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) {
    if (Cause.isInterruptedOnly(exit.cause)) return { code: ExitCode.Interrupted }
    return { code: ExitCode.Failed, message: `unexpected error:\n${Cause.pretty(exit.cause)}` }
  }
  const error = failure.value as any
  if (ValidationError.isValidationError(error)) {
    return { code: ValidationError.isHelpRequested(error) ? ExitCode.Ok : ExitCode.Usage }
  }
  switch (error?._tag) {
    case "UsageError":
      return { code: ExitCode.Usage, message: error.message }
    case "EnrichmentsFailed":
      return { code: ExitCode.Failed, message: error.message }
    case "Interrupted":
      return { code: ExitCode.Interrupted, message: error.message }
    default:
      return { code: ExitCode.Failed, message: String(error?.message ?? error) }
  }
}
