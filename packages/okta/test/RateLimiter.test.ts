import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import { Clock, Deferred, Duration, Effect, Either, Fiber, TestClock } from "effect"
import * as RateLimitHeaders from "../src/internal/rateLimitHeaders.js"
import { oktaBucket, response } from "./support/oktaBucket.js"
import { runWithTime } from "./support/time.js"

const start = Date.parse("2026-06-01T10:00:00.250Z")
const bucket = RateLimiter.bucket("get", "/api/v1/users/{id}")

describe("RateLimiter", () => {
  it("names a bucket by method and endpoint template", () => {
    expect(RateLimiter.bucket("get", "/api/v1/users/{id}/groups")).toBe("GET /api/v1/users/{id}/groups")
  })

  it("computes the reset against the response's Date header (Okta's clock), not ours", () => {
    const ours = Date.parse("2026-06-01T10:00:00.000Z")
    const okta = Date.parse("2026-06-01T09:55:00.000Z") // our clock runs 5 minutes ahead of Okta's
    const info = RateLimiter.parseHeaders(
      response(200, {
        "x-rate-limit-limit": "600",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(okta / 1000 + 30),
        date: new Date(okta).toUTCString()
      }).headers,
      ours
    )
    expect(info).toEqual({ limit: 600, remaining: 0, resetAt: ours + 30_000 + 1000 })
  })

  it("ignores responses without rate-limit headers", () => {
    expect(RateLimiter.parseHeaders(response(200, {}).headers, 0)).toBeUndefined()
  })

  it.effect("never sends a request the last headers say will be refused", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const limiter = yield* RateLimiter.make()
      const okta = oktaBucket(3)
      for (let i = 0; i < 3; i++) yield* limiter.run(bucket, okta.send)
      const fourth = yield* Effect.fork(limiter.run(bucket, okta.send))
      // The window ends 60 s after the first request: 10:01:01 on Okta's whole seconds, 61 s after the Date header
      // (10:00:00). Okta's clock was at least 10:00:00 when we read it at 10:00:00.250, so the reset is 10:01:01.250
      // on ours at the latest (start + 61 s), plus 0 to 1 s of jitter: never a moment before.
      yield* TestClock.adjust(Duration.millis(61_000 - 1))
      expect(okta.sentAt).toHaveLength(3)
      yield* TestClock.adjust(Duration.millis(1_001))
      yield* Fiber.join(fourth)
      expect(okta.sentAt).toHaveLength(4)
      expect(okta.refused).toEqual([])
    }))

  it.effect(
    "paces before the limit: no 429 when the headers warned in time, the rest spread to the reset",
    () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(start)
        const limiter = yield* RateLimiter.make({ paceBelow: 0.5 })
        const okta = oktaBucket(10)
        yield* runWithTime(Effect.forEach(Array.from({ length: 30 }), () => limiter.run(bucket, okta.send), {
          concurrency: 8
        }))
        expect(okta.refused).toEqual([])
        expect(okta.sentAt).toHaveLength(30)
        // In the first window, the requests after the bucket fell to half were spread out, not burst.
        const firstWindow = okta.sentAt.filter((t) => t < start + 60_000)
        const late = firstWindow.slice(6)
        for (let i = 1; i < late.length; i++) expect(late[i] - late[i - 1]).toBeGreaterThanOrEqual(9_000)
        const stats = yield* limiter.stats
        expect(stats.requests).toBe(30)
        expect(stats.rateLimited).toBe(0)
        expect(stats.waits).toBeGreaterThan(0)
        expect(stats.buckets.map((b) => b.bucket)).toEqual([bucket])
      }),
    30_000
  )

  it.effect("paces against Okta's clock even when ours is skewed", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const limiter = yield* RateLimiter.make()
      const okta = oktaBucket(5, { skewMillis: -3_600_000 }) // Okta's clock is an hour behind ours
      yield* runWithTime(Effect.forEach(Array.from({ length: 12 }), () => limiter.run(bucket, okta.send)))
      expect(okta.refused).toEqual([])
      // Three windows were needed, not an hour of waiting.
      expect(okta.sentAt[11] - start).toBeLessThan(3 * 62_000)
    }))

  it.effect("caps the requests in flight", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make({ maxConcurrency: 3 })
      const gate = yield* Deferred.make<void>()
      let inFlight = 0
      let peak = 0
      const send = Effect.gen(function*() {
        inFlight++
        peak = Math.max(peak, inFlight)
        yield* Deferred.await(gate)
        inFlight--
        return response(200, {})
      })
      const all = yield* Effect.fork(Effect.forEach(Array.from({ length: 10 }), () => limiter.run(bucket, send), {
        concurrency: "unbounded"
      }))
      for (let i = 0; i < 100 && peak < 3; i++) yield* Effect.yieldNow()
      for (let i = 0; i < 100; i++) yield* Effect.yieldNow() // room for a fourth request, if the cap leaked
      expect(peak).toBe(3)
      expect((yield* limiter.stats).inFlight).toBe(3)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(all)
      expect(peak).toBe(3)
      expect((yield* limiter.stats).requests).toBe(10)
    }))

  it.effect("after a 429 waits until the reset on Okta's clock plus jitter of at most 1 s", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make()
      const ours = Date.parse("2026-06-01T10:00:00.000Z")
      yield* TestClock.setTime(ours)
      const okta = Date.parse("2026-06-01T12:00:00.000Z") // Okta's clock two hours ahead
      const limited = response(429, {
        "x-rate-limit-limit": "600",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(okta / 1000 + 20),
        date: new Date(okta).toUTCString()
      })
      const delays = yield* Effect.forEach(Array.from({ length: 200 }), () => limiter.retryDelayAfter429(limited, 0))
      const millis = delays.map(Duration.toMillis)
      expect(Math.min(...millis)).toBeGreaterThanOrEqual(21_000)
      expect(Math.max(...millis)).toBeLessThanOrEqual(22_000)
      expect(new Set(millis).size).toBeGreaterThan(1) // jittered, so waiters do not stampede
    }))

  it.effect("a concurrency 429 (limit 0) gets a short capped exponential backoff", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make()
      const now = yield* Clock.currentTimeMillis // the TestClock's time: a reset 60 s later, whatever the wall clock
      const limited = response(429, {
        "x-rate-limit-limit": "0",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(Math.floor(now / 1000) + 60)
      })
      const delays = (retry: number) =>
        Effect.forEach(
          Array.from({ length: 50 }),
          () => Effect.map(limiter.retryDelayAfter429(limited, retry), Duration.toMillis)
        )
      const first = yield* delays(0)
      expect(Math.min(...first)).toBeGreaterThanOrEqual(125)
      expect(Math.max(...first)).toBeLessThanOrEqual(250)
      const third = yield* delays(2)
      expect(Math.min(...third)).toBeGreaterThanOrEqual(500)
      expect(Math.max(...third)).toBeLessThanOrEqual(1000)
      const capped = yield* delays(20)
      expect(Math.max(...capped)).toBeLessThanOrEqual(4000)
      expect(Math.min(...capped)).toBeGreaterThanOrEqual(2000)
    }))

  it.effect("each concurrency 429 lowers the in-flight cap by one; calm answers raise it back", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make({ maxConcurrency: 4 })
      const busy = response(429, {
        "x-rate-limit-limit": "0",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": "1"
      })
      const ok = response(200, {})
      for (let i = 0; i < 5; i++) yield* limiter.run(bucket, Effect.succeed(busy))
      expect((yield* limiter.stats).concurrencyCap).toBe(1) // never below one

      // With the cap at 1, a second request waits for the first to finish instead of being sent.
      const release = yield* Deferred.make<void>()
      const first = yield* Effect.fork(limiter.run(bucket, Effect.as(Deferred.await(release), ok)))
      const second = yield* Effect.fork(limiter.run(bucket, Effect.succeed(ok)))
      yield* Effect.yieldNow()
      expect((yield* limiter.stats).inFlight).toBe(1)
      expect(second.unsafePoll()).toBeNull()
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)

      // Recovery: one step up per `concurrencyRecovery` answers without a concurrency 429, up to maxConcurrency.
      for (let i = 2; i < RateLimiter.concurrencyRecovery; i++) yield* limiter.run(bucket, Effect.succeed(ok))
      expect((yield* limiter.stats).concurrencyCap).toBe(2)
      for (let i = 0; i < 10 * RateLimiter.concurrencyRecovery; i++) yield* limiter.run(bucket, Effect.succeed(ok))
      expect((yield* limiter.stats).concurrencyCap).toBe(4)
    }))

  it.effect("counts 429s of buckets and of the concurrency limit separately, and keeps the bucket state", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const limiter = yield* RateLimiter.make()
      const reset = String(Math.ceil(start / 1000) + 30)
      yield* limiter.run(
        bucket,
        Effect.succeed(
          response(429, { "x-rate-limit-limit": "0", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset })
        )
      )
      yield* limiter.run(
        bucket,
        Effect.succeed(
          response(200, { "x-rate-limit-limit": "2000", "x-rate-limit-remaining": "1999", "x-rate-limit-reset": reset })
        )
      )
      yield* limiter.run(
        "GET /api/v1/users",
        Effect.succeed(
          response(429, { "x-rate-limit-limit": "600", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset })
        )
      )
      yield* limiter.recordRetry
      const stats = yield* limiter.stats
      expect(stats).toMatchObject({ requests: 3, rateLimited: 1, concurrencyLimited: 1, retries: 1, inFlight: 0 })
      expect(stats.buckets).toEqual([
        { bucket, limit: 2000, remaining: 1999, resetAt: expect.any(Number), inFlight: 0 },
        { bucket: "GET /api/v1/users", limit: 600, remaining: 0, resetAt: expect.any(Number), inFlight: 0 }
      ])
    }))

  describe("the reset margin, derived from Okta's Date headers", () => {
    it("bounds Okta's clock offset by each answer's Date, cut to the second, and the round trip", () => {
      const date = Date.parse("2026-06-01T10:00:07.000Z")
      // Sent at .800 and answered at .900 (ours) with Date :07: Okta's time was in [:07, :08) somewhere in between.
      const first = RateLimitHeaders.observeServerClock(undefined, date, date + 800, date + 900)
      expect(first).toEqual({ low: -900, high: 200 })
      // The next answer, just after Okta's second ticked, narrows the offset to the round trip.
      const second = RateLimitHeaders.observeServerClock(first, date + 1000, date + 950, date + 1010)
      expect(second).toEqual({ low: -10, high: 200 })
      // An answer that contradicts what is known (a clock was set) starts afresh.
      expect(RateLimitHeaders.observeServerClock(second, date + 60_000, date + 1100, date + 1150))
        .toEqual({ low: 58_850, high: 59_900 })
    })

    it("tells the span the reset lies in: after its conversion with Okta's clock's upper bound, by its lower", () => {
      const read = RateLimitHeaders.reader()
      const date = Date.parse("2026-06-01T10:00:07.000Z")
      const headers = (d: number, reset: number) =>
        Headers.fromInput({
          "x-rate-limit-limit": "100",
          "x-rate-limit-remaining": "99",
          "x-rate-limit-reset": String(reset / 1000),
          date: new Date(d).toUTCString()
        })
      // The offset is in [-900, 200): a reset at :10 is after :09.800 and by :10.900 (ours).
      expect(read(headers(date, date + 3000), date + 800, date + 900)).toMatchObject({
        resetAt: date + 3900,
        resetAfter: date + 2800
      })
      // A reset clamped to the window (or one already past) is not known so well; nor one without a `Date`.
      expect(read(headers(date, date + 600_000), date + 950, date + 960)?.resetAfter).toBeUndefined()
      const undated = Headers.remove(headers(date, date + 3000), "date")
      expect(read(undated, date + 950, date + 960)?.resetAfter).toBeUndefined()
    })

    it.effect("converts a reset with the offset learned, adding no fixed second", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(start) // 10:00:00.250, Okta's clock the same
        const limiter = yield* RateLimiter.make()
        const okta = oktaBucket(3)
        yield* limiter.run(bucket, okta.send)
        // Okta's window ends at 10:01:00.250 and says 10:01:01 (whole seconds); Date :00 answered at .250 puts
        // Okta's clock at most 250 ms behind ours: the reset is at 10:01:01.250 at the latest, with no margin on top
        // (the old fixed margin made it 10:01:02.000).
        const [state] = (yield* limiter.stats).buckets
        expect(state.resetAt).toBe(start + 61_000)
      }))

    it.effect("an explicit resetMargin is still added on top", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(start)
        const limiter = yield* RateLimiter.make({ resetMargin: "500 millis" })
        yield* limiter.run(bucket, oktaBucket(3).send)
        expect((yield* limiter.stats).buckets[0].resetAt).toBe(start + 61_500)
      }))

    it.effect("without a Date header, Okta's advised second is added to a reset read on our clock", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(start)
        const limiter = yield* RateLimiter.make()
        const reset = String(Math.ceil(start / 1000) + 30)
        yield* limiter.run(
          bucket,
          Effect.succeed(
            response(200, { "x-rate-limit-limit": "10", "x-rate-limit-remaining": "9", "x-rate-limit-reset": reset })
          )
        )
        expect((yield* limiter.stats).buckets[0].resetAt).toBe(Number(reset) * 1000 + 1000)
      }))

    it.effect(
      "2-second windows, a skewed Okta and 40 ms round trips: no 429, and windows follow each other closely",
      () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(start)
          const limiter = yield* RateLimiter.make({ jitter: 0 })
          const okta = oktaBucket(5, { windowMillis: 2000, skewMillis: 7_321, latencyMillis: 40 })
          yield* runWithTime(Effect.forEach(Array.from({ length: 50 }), () => limiter.run(bucket, okta.send)))
          expect(okta.refused).toEqual([])
          // 10 windows of 2 s. Whole-second resets cost up to 1 s per window (a `Date` tick narrows the offset to the
          // round trip); the old fixed 1 s margin cost another second on top. Holding a window's last request until
          // its end, once the answers have told the window's length, opens the next window a round trip after the
          // end instead of at the reset.
          const elapsed = okta.sentAt[49] - start
          expect(elapsed).toBeLessThan(24_000) // 23.7 s; 27.2 s waiting for every reset; 36.0 s with the fixed margin
        }),
      30_000
    )
  })

  describe("waiters for a reset, first come first served", () => {
    // Whatever the jitter: it spreads the waiters a reset releases, never reorders them.
    for (const jitter of [0, 1000]) {
      it.effect(`serves waiters in arrival order, before any newcomer (jitter ${jitter} ms)`, () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(start)
          const limiter = yield* RateLimiter.make({ jitter })
          const okta = oktaBucket(3)
          const order: Array<string> = []
          const lookup = (label: string) => limiter.run(bucket, Effect.tap(okta.send, () => order.push(label)))
          /** The labels sent in each Okta window (those released at one instant are in flight together). */
          const byWindow = () =>
            okta.windows.map((opened, i) =>
              order.filter((_, j) => okta.sentAt[j] >= opened && okta.sentAt[j] < (okta.windows[i + 1] ?? Infinity))
            )
          for (let i = 0; i < 3; i++) yield* lookup("first")
          // The bucket is spent until start + 61 s (see above): five waiters queue, in this order.
          const waiters = []
          for (const label of ["w1", "w2", "w3", "w4", "w5"]) {
            waiters.push(yield* Effect.fork(lookup(label)))
            yield* Effect.yieldNow()
          }
          yield* TestClock.adjust(Duration.seconds(30))
          const early = yield* Effect.fork(lookup("n1")) // arrives before the reset: behind the waiters
          yield* TestClock.adjust(Duration.millis(31_000 + 1)) // the reset: w1, w2 and w3, spread over the jitter
          const late = yield* Effect.fork(lookup("n2")) // arrives as the window restarts: still behind them all
          yield* runWithTime(Fiber.joinAll([...waiters, early, late]))
          expect(okta.refused).toEqual([])
          // Three per window: w1-w3 in the second, w4, w5 and n1 in the third, n2 in the fourth.
          const windows = byWindow().map((labels) => [...labels].sort())
          expect(windows).toEqual([["first", "first", "first"], ["w1", "w2", "w3"], ["n1", "w4", "w5"], ["n2"]])
          // Spread over the jitter, they are also sent in arrival order.
          if (jitter > 0) expect(order).toEqual(["first", "first", "first", "w1", "w2", "w3", "w4", "w5", "n1", "n2"])
          // The spread: the reset releases one waiter every jitter / limit, the first at once.
          const second = okta.sentAt.slice(3, 6).map((t) => t - okta.windows[1])
          expect(second).toEqual([0, Math.floor(jitter / 3), Math.floor(2 * jitter / 3)])
        }))

      it.effect(`a waiter interrupted gives its place to the next (jitter ${jitter} ms)`, () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(start)
          const limiter = yield* RateLimiter.make({ jitter })
          const okta = oktaBucket(2)
          for (let i = 0; i < 2; i++) yield* limiter.run(bucket, okta.send)
          const first = yield* Effect.fork(limiter.run(bucket, okta.send))
          yield* Effect.yieldNow()
          const second = yield* Effect.fork(limiter.run(bucket, okta.send))
          const third = yield* Effect.fork(limiter.run(bucket, okta.send))
          yield* Effect.yieldNow()
          yield* Fiber.interrupt(first)
          yield* runWithTime(Fiber.joinAll([second, third]))
          // The second and the third go in the next window: no slot leaked to the interrupted one, none was lost.
          expect(okta.sentAt).toHaveLength(4)
          expect(okta.windows).toHaveLength(2)
          expect(okta.refused).toEqual([])
          expect((yield* limiter.stats).buckets[0].inFlight).toBe(0)
        }))

      it.effect(
        `300 lookups through a 5-per-window bucket: none starves, none passes its deadline (jitter ${jitter} ms)`,
        () =>
          Effect.gen(function*() {
            yield* TestClock.setTime(start)
            const limiter = yield* RateLimiter.make({ jitter })
            const okta = oktaBucket(5, { windowMillis: 10_000, skewMillis: 7_321, latencyMillis: 40 })
            const waited: Array<number> = []
            // A lookup as the client runs it: its operation deadline is 90 s after it starts.
            const lookup = Effect.gen(function*() {
              const started = yield* Clock.currentTimeMillis
              const result = yield* Effect.either(limiter.run(bucket, okta.send, started + 90_000))
              waited.push((yield* Clock.currentTimeMillis) - started)
              return result
            })
            const results = yield* runWithTime(
              Effect.forEach(Array.from({ length: 300 }), () => lookup, { concurrency: 8 }),
              100_000
            )
            expect(results.filter(Either.isLeft)).toEqual([])
            // 8 sent blind before the first answer; 3 of them were refused. None after.
            expect(okta.refused.every((t) => t === okta.sentAt[0])).toBe(true)
            expect(okta.refused).toHaveLength(3)
            // With 8 lookups at a time behind 5 per window, none waits for more than two resets.
            expect(Math.max(...waited)).toBeLessThan(2 * 11_000 + 1000)
          }),
        120_000
      )
    }
  })
})
