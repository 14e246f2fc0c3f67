/**
 * The client's retry policy: an attempt that failed says whether it may be tried again and after how long
 * (`Retryable.delay`, decided by what failed: a 429's reset, a jittered backoff, or never); it is tried again only
 * while that delay ends within the operation's deadline. The wait itself runs in `onRetry` (through the rate limiter,
 * which counts it).
 *
 * A plain loop rather than `Effect.retry` with a `Schedule`: the Schedule's driver was built for every request, and
 * most requests succeed at once; here nothing runs beyond the attempt until one fails.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OktaError } from "../OktaError.js"

/** A failed attempt: the error to report if it is the last, and the wait before another (none: do not retry). */
export interface Retryable {
  readonly failure: OktaError
  readonly delay: Option.Option<Duration.Duration>
}

/**
 * `attempt`, tried again while its failure allows it and the wait ends by `deadline` (epoch millis); `onRetry` (which
 * waits) runs before each new try. Fails with the last attempt's `Retryable`.
 */
export const retrying = <A>(
  attempt: Effect.Effect<A, Retryable>,
  deadline: number,
  onRetry: (failure: OktaError, delay: Duration.Duration) => Effect.Effect<void>
): Effect.Effect<A, Retryable> => {
  const loop: Effect.Effect<A, Retryable> = Effect.catchAll(attempt, (failed) =>
    Option.match(failed.delay, {
      onNone: () => Effect.fail(failed),
      onSome: (delay) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now + Duration.toMillis(delay) <= deadline
            ? Effect.zipRight(onRetry(failed.failure, delay), loop)
            : Effect.fail(failed))
    }))
  return loop
}
