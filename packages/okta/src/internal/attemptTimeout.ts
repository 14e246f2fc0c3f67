/**
 * The timeout of one attempt, at the cost of one forked fiber (the attempt) and a `setTimeout`, instead of
 * `Effect.timeoutFail`'s two fibers (the attempt and a sleeping timer, which is then interrupted: an `AbortSignal`
 * and a `DOMException` per request). Every request pays for it: the two forks were 12 % to 16 % of a lookup's CPU in
 * process (see BENCHMARKS.md, "The Okta client's hot path").
 *
 * Why a lower-level primitive: Effect has no timeout that forks less than two fibers, and a timer that is not a fiber
 * must read the wall clock. So the plain timer is used only on the live `Clock`; under any other (`TestClock`, a
 * custom one) this is `Effect.timeoutFail` itself, which the clock drives as before. Either way: the attempt that
 * outlives `duration` is interrupted (its request aborted) and the result fails with `onTimeout()`; an attempt that
 * ends first clears the timer; interrupting the caller interrupts the attempt.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/** `setTimeout` takes at most 2^31 - 1 ms; longer timeouts use `Effect.timeoutFail`. */
const maxTimerMillis = 2_147_483_647

/** `self`, failed with `onTimeout()` (and interrupted) when it takes longer than `duration`. */
export const timeoutFail = <A, E, R, E1>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E1
): Effect.Effect<A, E | E1, R> => {
  const millis = Duration.toMillis(duration)
  const fallback = Effect.timeoutFail(self, { duration, onTimeout })
  if (!(millis >= 0 && millis <= maxTimerMillis)) return fallback
  return Effect.clockWith((clock) =>
    clock !== liveClock ?
      fallback :
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(Effect.fork(restore(self)), (fiber) =>
          restore(Effect.async<A, E | E1>((resume) => {
            let settled = false
            const timer = setTimeout(() => {
              if (settled) return
              settled = true
              resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
            }, millis)
            fiber.addObserver((exit) => {
              if (settled) return
              settled = true
              clearTimeout(timer)
              resume(exit)
            })
            return Effect.suspend(() => {
              settled = true
              clearTimeout(timer)
              return Fiber.interrupt(fiber)
            })
          })))
      )
  )
}
