/**
 * The one jittered exponential backoff of the Okta client ("equal jitter": half the capped exponential step, plus a
 * random part of the other half), used for transient failures and for concurrency 429s.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"

/** The delay before retry number `retry` (from 0): `base * 2^retry`, capped, then jittered between half and all. */
export const jittered = (baseMillis: number, capMillis: number, retry: number): Effect.Effect<Duration.Duration> => {
  const step = Math.min(capMillis, baseMillis * 2 ** Math.max(0, retry))
  const half = Math.floor(step / 2)
  return Effect.map(Random.nextIntBetween(0, half + 1), (extra) => Duration.millis(step - half + extra))
}
