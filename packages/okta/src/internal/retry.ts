/**
 * The client's retry policy as a `Schedule`: an attempt that failed says whether it may be tried again and after how
 * long (`Retryable.delay`, decided by what failed: a 429's reset, a jittered backoff, or never); the schedule goes on
 * only while that delay ends within the operation's deadline. The wait itself runs in `onRetry` (through the rate
 * limiter, which counts it), so the schedule adds no delay of its own.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { OktaError } from "../OktaError.js"

/** A failed attempt: the error to report if it is the last, and the wait before another (none: do not retry). */
export interface Retryable {
  readonly failure: OktaError
  readonly delay: Option.Option<Duration.Duration>
}

/** Retries while the failure allows it and its wait ends by `deadline` (epoch millis); `onRetry` runs before each. */
export const policy = (
  deadline: number,
  onRetry: (failure: OktaError, delay: Duration.Duration) => Effect.Effect<void>
): Schedule.Schedule<Retryable, Retryable> =>
  Schedule.identity<Retryable>().pipe(
    Schedule.whileInputEffect((attempt) =>
      Option.match(attempt.delay, {
        onNone: () => Effect.succeed(false),
        onSome: (delay) => Effect.map(Clock.currentTimeMillis, (now) => now + Duration.toMillis(delay) <= deadline)
      })
    ),
    Schedule.addDelayEffect((attempt) =>
      Effect.as(onRetry(attempt.failure, Option.getOrElse(attempt.delay, () => Duration.zero)), Duration.zero)
    )
  )
