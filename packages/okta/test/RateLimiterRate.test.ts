import { describe, expect, it } from "@effect/vitest"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import { Clock, Effect, Either, TestClock } from "effect"
import { oktaBucket } from "./support/oktaBucket.js"
import { runWithTime } from "./support/time.js"

const start = Date.parse("2026-06-01T10:00:00.250Z")
const bucket = RateLimiter.bucket("get", "/api/v1/users/{id}")

/**
 * Issue 16's scenario 3 on the TestClock: requests through one Okta-like bucket (windows open at the first request,
 * resets in whole seconds, Okta's clock 7.3 s ahead of ours), `concurrency` at a time, each with a 90 s deadline.
 */
const run = (
  o: { windowMillis: number; concurrency: number; latencyMillis: number; requests: number; jitter: number }
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const limiter = yield* RateLimiter.make({ maxConcurrency: o.concurrency, jitter: o.jitter })
    const okta = oktaBucket(100, { windowMillis: o.windowMillis, skewMillis: 7_321, latencyMillis: o.latencyMillis })
    const request = Effect.flatMap(Clock.currentTimeMillis, (now) => limiter.run(bucket, okta.send, now + 90_000))
    const results = yield* runWithTime(
      Effect.forEach(Array.from({ length: o.requests }), () => Effect.either(request), { concurrency: o.concurrency }),
      100_000
    )
    return { okta, failed: results.filter(Either.isLeft).length }
  })

describe("RateLimiter: the allowed rate used", () => {
  // Whatever the jitter: it spreads a window's restart, it does not delay it.
  for (const jitter of [0, 1000]) {
    it.effect(
      `2-second windows, 20 in flight, 40 ms round trips: >= 95 % of the rate, no 429 (jitter ${jitter} ms)`,
      () =>
        Effect.gen(function*() {
          const { failed, okta } = yield* run({
            windowMillis: 2000,
            concurrency: 20,
            latencyMillis: 40,
            requests: 400,
            jitter
          })
          expect(failed).toBe(0)
          expect(okta.refused).toEqual([])
          expect(okta.share()).toBeGreaterThanOrEqual(0.95) // 54 % when a low bucket's pace was reserved ahead
        }),
      120_000
    )

    it.effect(
      `60-second windows, 20 in flight, 5 ms round trips: >= 95 % of the rate, no 429 (jitter ${jitter} ms)`,
      () =>
        Effect.gen(function*() {
          const { failed, okta } = yield* run({
            windowMillis: 60_000,
            concurrency: 20,
            latencyMillis: 5,
            requests: 300,
            jitter
          })
          expect(failed).toBe(0)
          expect(okta.refused).toEqual([])
          expect(okta.share()).toBeGreaterThanOrEqual(0.95) // 80 % when a low bucket's pace was reserved ahead
        }),
      120_000
    )
  }
})
