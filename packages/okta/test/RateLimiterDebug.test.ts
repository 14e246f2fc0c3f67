import { it } from "@effect/vitest"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import { Clock, Effect, TestClock } from "effect"
import { oktaBucket } from "./support/oktaBucket.js"
import { runWithTime } from "./support/time.js"

const start = Date.parse("2026-06-01T10:00:00.250Z")
const bucket = RateLimiter.bucket("get", "/api/v1/users/{id}")

it.effect("debug", () =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const limiter = yield* RateLimiter.make({ maxConcurrency: 20, jitter: 0 })
    const okta = oktaBucket(100, { windowMillis: 2000, skewMillis: 7_321, latencyMillis: 5 })
    const log: Array<string> = []
    const send = Effect.tap(okta.send, (r) => Effect.flatMap(limiter.stats, (st) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => { const b = st.buckets[0]; if (log.length < 0) log.push(`${now - start} ${r.headers["x-rate-limit-remaining"]} ${r.headers["x-rate-limit-reset"]} ${b?.remaining} ${b?.inFlight} ${b ? b.resetAt - now : ""}`) }))))
    const lookup = Effect.flatMap(Clock.currentTimeMillis, (now) => limiter.run(bucket, send, now + 90_000))
    yield* runWithTime(Effect.forEach(Array.from({ length: 400 }), () => Effect.either(lookup), { concurrency: 20 }), 1_000_000)
    console.log(log.join("\n"))
    for (let i = 0; i < okta.windows.length; i++) {
      const w = okta.windows[i], next = okta.windows[i + 1] ?? Infinity
      const inW = okta.sentAt.filter((t) => t >= w && t < next).map((t) => t - w)
      console.log(i, w - start, inW.length, JSON.stringify(inW.filter((_, j) => j % 5 === 0 || j > 75)))
    }
  }), 600_000)
