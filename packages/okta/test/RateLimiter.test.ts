import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import { Clock, Deferred, Duration, Effect, Fiber, TestClock } from "effect"
import { runWithTime } from "./support/time.js"

const start = Date.parse("2026-06-01T10:00:00.250Z")
const bucket = RateLimiter.bucket("get", "/api/v1/users/{id}")

const response = (status: number, headers: Record<string, string>) =>
  HttpClientResponse.fromWeb(
    HttpClientRequest.get("https://acme.okta.com/api/v1/users/x"),
    new Response("{}", { status, headers })
  )

/** Okta's side of one bucket: a window of `limit` requests that starts with the first request, on Okta's clock. */
const oktaBucket = (limit: number, options: { windowMillis?: number; skewMillis?: number } = {}) => {
  const windowMillis = options.windowMillis ?? 60_000
  const skew = options.skewMillis ?? 0
  let windowStart = -Infinity
  let used = 0
  const sentAt: Array<number> = []
  const refused: Array<number> = []
  const send = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const okta = now + skew
    if (okta >= windowStart + windowMillis) {
      windowStart = okta
      used = 0
    }
    used++
    sentAt.push(now)
    const ok = used <= limit
    if (!ok) refused.push(now)
    return response(ok ? 200 : 429, {
      "x-rate-limit-limit": String(limit),
      "x-rate-limit-remaining": String(Math.max(0, limit - used)),
      "x-rate-limit-reset": String(Math.ceil((windowStart + windowMillis) / 1000)),
      date: new Date(okta).toUTCString()
    })
  })
  return { send, sentAt, refused }
}

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
      // (10:00:00), plus the 1 s margin, plus at most 1 s of jitter.
      yield* TestClock.adjust("61 seconds")
      expect(okta.sentAt).toHaveLength(3)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fourth)
      expect(okta.sentAt).toHaveLength(4)
      expect(okta.refused).toEqual([])
    }))

  it.effect("paces before the limit: no 429 when the headers warned in time, the rest spread to the reset", () =>
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
    }))

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
})
