import { it } from "@effect/vitest"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import { Clock, Effect, Either, TestClock } from "effect"
import { oktaBucket } from "./support/oktaBucket.js"
import { runWithTime } from "./support/time.js"

const start = Date.parse("2026-06-01T10:00:00.250Z")
const bucket = RateLimiter.bucket("get", "/api/v1/users/{id}")

const measure = (o: { window: number; limit: number; concurrency: number; rtt: number; n: number; jitter?: number }) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const limiter = yield* RateLimiter.make({ maxConcurrency: o.concurrency, ...(o.jitter === undefined ? {} : { jitter: o.jitter }) })
    const okta = oktaBucket(o.limit, { windowMillis: o.window, skewMillis: 7_321, latencyMillis: o.rtt })
    const lookup = Effect.flatMap(Clock.currentTimeMillis, (now) => limiter.run(bucket, okta.send, now + 90_000))
    const results = yield* runWithTime(
      Effect.forEach(Array.from({ length: o.n }), () => Effect.either(lookup), { concurrency: o.concurrency }),
      1_000_000
    )
    const failed = results.filter(Either.isLeft).length
    console.log(JSON.stringify({ ...o, share: (100 * okta.share()).toFixed(1), refused: okta.refused.length, failed, windows: okta.windows.length, end: ((okta.sentAt.at(-1)! - start) / 1000).toFixed(1) }))
  })

it.effect("measure", () =>
  Effect.gen(function*() {
    for (const jitter of [0, 1000]) {
      for (const window of [2000, 60_000]) {
        for (const concurrency of [8, 20]) {
          for (const rtt of [5, 40]) {
            yield* measure({ window, limit: 100, concurrency, rtt, n: window === 2000 ? 1000 : 400, jitter })
          }
        }
      }
    }
    for (const window of [2000, 10_000, 60_000]) {
      for (const jitter of [0, 1000]) yield* measure({ window, limit: 5, concurrency: 8, rtt: 40, n: 300, jitter })
    }
  }), 600_000)
