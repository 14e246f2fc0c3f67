import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import { expect, it } from "@effect/vitest"
import * as Redis from "@enrich/core/Redis"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import { Clock, Context, Duration, Effect, Fiber, Layer, Logger } from "effect"
import * as RedisServer from "../../core/test/support/redisServer.js"
import { make, makeLimiter, type Options } from "../src/internal/redisRateBudget.js"

const users = RateLimiter.bucket("GET", "/api/v1/users/{id}")
const groups = RateLimiter.bucket("GET", "/api/v1/users/{id}/groups")
const t0 = 1_736_937_000_000
const minute = 60_000

const connection = (url: string) =>
  Effect.orDie(Redis.make({
    url,
    // Generous: these tests are about the budget, not outages, and must not fall back on a loaded machine.
    commandTimeout: Duration.seconds(3),
    connectTimeout: Duration.seconds(3),
    reconnectBackoff: Duration.millis(20),
    reconnectBackoffCap: Duration.millis(200)
  }))

/** One "process": its own connection and store. */
const budgetOn = (url: string, options?: Options) =>
  Effect.flatMap(connection(url), (redis) => make(options).pipe(Effect.provideService(Redis.Redis, redis)))

RedisServer.describeRedis("Okta rate budget on Redis", () => {
  it.live("4 processes together never spend more than a bucket's remaining before its reset, pacing the rest", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const stores = yield* Effect.all(Array.from({ length: 4 }, () => budgetOn(server.url, { maxConcurrency: 1000 })))
      const resetAt = t0 + minute
      yield* stores[0].observe(users, { limit: 100, remaining: 30, resetAt }, t0)
      // Okta's side of the bucket: each request sent spends one; a request sent with nothing left is a 429.
      const okta = { remaining: 30, rejected: 0, sent: 0 }
      const attempt = (i: number, now: number) =>
        Effect.gen(function*() {
          const store = stores[i % stores.length]
          const decision = yield* store.acquire(users, now)
          if (decision._tag === "Wait") {
            expect(decision.until).toBeGreaterThan(now)
            return
          }
          okta.sent++
          if (okta.remaining === 0) okta.rejected++
          else okta.remaining--
          yield* store.observe(users, { limit: 100, remaining: okta.remaining, resetAt }, now, decision.slot)
        })

      // Walk the window in 5-second steps with 24 concurrent attempts at each: no sleeping, `now` is data.
      const sentAt: Array<number> = []
      for (let now = t0; now < resetAt; now += 5000) {
        const before = okta.sent
        yield* Effect.all(Array.from({ length: 24 }, (_, i) => attempt(i, now)), { concurrency: "unbounded" })
        sentAt.push(okta.sent - before)
      }

      expect(okta.rejected).toBe(0)
      expect(okta.sent).toBeLessThanOrEqual(30)
      // Pacing, not bursting: the first 10 go at once, the last 20 (20% of the limit) are spread over the window.
      expect(sentAt[0]).toBe(10)
      expect(sentAt.slice(1).every((n) => n <= 2)).toBe(true)
      expect(okta.sent).toBeGreaterThan(15)
      expect(yield* stores[1].state(users, t0)).toMatchObject({ limit: 100, resetAt, inFlight: 0 })
    }).pipe(Effect.scoped))

  it.live("spaces the last requests of a low bucket evenly until the reset", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const [a, b] = yield* Effect.all([budgetOn(server.url), budgetOn(server.url)])
      yield* a.observe(users, { limit: 100, remaining: 4, resetAt: t0 + 40_000 }, t0)

      const first = yield* a.acquire(users, t0)
      const second = yield* b.acquire(users, t0)

      expect(first._tag).toBe("Acquired")
      // 3 left after the one in flight: the next goes a third of the 40 s later.
      expect(second).toEqual({ _tag: "Wait", until: t0 + Math.ceil(40_000 / 3) })
      expect((yield* b.acquire(users, t0 + Math.ceil(40_000 / 3)))._tag).toBe("Acquired")
    }).pipe(Effect.scoped))

  it.live("a spent bucket waits for its reset, then refills", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const store = yield* budgetOn(server.url)
      yield* store.observe(users, { limit: 10, remaining: 0, resetAt: t0 + 5000 }, t0)

      expect(yield* store.acquire(users, t0 + 10)).toEqual({ _tag: "Wait", until: t0 + 5000 })
      expect((yield* store.acquire(users, t0 + 5000))._tag).toBe("Acquired")
      expect(yield* store.state(users, t0 + 5000)).toMatchObject({ remaining: 10, resetAt: t0 + 5000 + minute })
    }).pipe(Effect.scoped))

  it.live("after a refill, the new window's first report replaces the assumed minute; a late one of the old does not", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const [a, b] = yield* Effect.all([budgetOn(server.url), budgetOn(server.url)])
      yield* a.observe(users, { limit: 10, remaining: 0, resetAt: t0 + 5000 }, t0)
      expect((yield* a.acquire(users, t0 + 5000))._tag).toBe("Acquired")

      // A late answer of the old window says nothing about the new one.
      yield* b.observe(users, { limit: 10, remaining: 0, resetAt: t0 + 5000 }, t0 + 5010)
      expect(yield* a.state(users, t0 + 5010)).toMatchObject({ remaining: 10, resetAt: t0 + 5000 + minute })

      // The new window (Okta's, not the minute we assumed) is what its answers say, lowest remaining first.
      yield* b.observe(users, { limit: 10, remaining: 8, resetAt: t0 + 8000 }, t0 + 5100)
      yield* a.observe(users, { limit: 10, remaining: 9, resetAt: t0 + 8000 }, t0 + 5100)
      expect(yield* a.state(users, t0 + 5100)).toMatchObject({ remaining: 8, resetAt: t0 + 8000 })
    }).pipe(Effect.scoped))

  it.live("keeps the most pessimistic report of a window, and ignores reports of an older window", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const [a, b] = yield* Effect.all([budgetOn(server.url), budgetOn(server.url)])

      yield* a.observe(users, { limit: 100, remaining: 50, resetAt: t0 + minute }, t0)
      yield* b.observe(users, { limit: 100, remaining: 60, resetAt: t0 + minute + 700 }, t0)
      expect(yield* a.state(users, t0)).toMatchObject({ remaining: 50, resetAt: t0 + minute })

      yield* b.observe(users, { limit: 100, remaining: 99, resetAt: t0 + 2 * minute }, t0 + minute)
      yield* a.observe(users, { limit: 100, remaining: 3, resetAt: t0 + minute }, t0 + minute)
      expect(yield* a.state(users, t0 + minute)).toMatchObject({ remaining: 99, resetAt: t0 + 2 * minute })

      // The concurrency limit (X-Rate-Limit-Limit: 0) says nothing about the bucket.
      yield* a.observe(groups, { limit: 0, remaining: 0, resetAt: t0 + minute }, t0)
      expect(yield* a.state(groups, t0)).toBeUndefined()
    }).pipe(Effect.scoped))

  it.live("the in-flight cap is shared by every process and every bucket", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const stores = yield* Effect.all(Array.from({ length: 4 }, () => budgetOn(server.url, { maxConcurrency: 3 })))

      const decisions = yield* Effect.all(
        stores.map((s, i) => s.acquire(i % 2 === 0 ? users : groups, t0)),
        { concurrency: "unbounded" }
      )
      const acquired = decisions.filter((d) => d._tag === "Acquired")
      expect(acquired).toHaveLength(3)
      expect(decisions.find((d) => d._tag === "Wait")).toEqual({ _tag: "Wait", until: t0 + 25 })

      const holder = decisions.findIndex((d) => d._tag === "Acquired")
      const slot = acquired[0]._tag === "Acquired" ? acquired[0].slot : ""
      yield* stores[holder].release(holder % 2 === 0 ? users : groups, slot)
      expect((yield* stores[3].acquire(groups, t0 + 1))._tag).toBe("Acquired")
    }).pipe(Effect.scoped))

  it.live("slots of a process that died are reclaimed once their expiry passes", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const options = { maxConcurrency: 2, slotTtl: Duration.seconds(30) }
      const survivor = yield* budgetOn(server.url, options)
      yield* Effect.scoped(Effect.gen(function*() {
        const doomed = yield* budgetOn(server.url, options)
        expect((yield* doomed.acquire(users, t0))._tag).toBe("Acquired")
        expect((yield* doomed.acquire(users, t0))._tag).toBe("Acquired")
      })) // its connection is gone; its slots were never released

      expect((yield* survivor.acquire(users, t0 + 29_999))._tag).toBe("Wait")
      expect((yield* survivor.acquire(users, t0 + 30_001))._tag).toBe("Acquired")
    }).pipe(Effect.scoped))

  it.live("the shared limiter learns from responses, and sends through the in-process limiter while Redis is down", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const redis = yield* connection(server.url)
      const limiter = yield* makeLimiter({ maxConcurrency: 4 }).pipe(Effect.provideService(Redis.Redis, redis))
      const store = yield* make({ maxConcurrency: 4 }).pipe(Effect.provideService(Redis.Redis, redis))
      const now = yield* Clock.currentTimeMillis
      const answer = (remaining: number) =>
        Effect.succeed({
          status: 200,
          headers: Headers.fromInput({
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": String(remaining),
            "x-rate-limit-reset": String(Math.floor(now / 1000) + 60),
            date: new Date(now).toUTCString()
          })
        })

      yield* limiter.run(users, answer(42))
      expect(yield* store.state(users, now)).toMatchObject({ limit: 100, remaining: 42, inFlight: 0 })

      yield* server.kill
      const sent = yield* Effect.fork(limiter.run(users, answer(41)))
      const response = yield* Fiber.join(sent)
      expect(response.status).toBe(200)
      expect((yield* limiter.stats).requests).toBe(2)
      expect(yield* redis.available).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(Logger.remove(Logger.defaultLogger))))

  it.live("the shared limiter converts resets with Okta's clock learned from Date headers, adding no fixed second", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const redis = yield* connection(server.url)
      const limiter = yield* makeLimiter().pipe(Effect.provideService(Redis.Redis, redis))
      const store = yield* make().pipe(Effect.provideService(Redis.Redis, redis))
      const before = yield* Clock.currentTimeMillis
      // Okta's clock is two hours ahead of ours; its window resets 30 s after the answer's Date (whole seconds).
      const date = Math.floor((before + 7_200_000) / 1000) * 1000
      const answer = Effect.succeed({
        status: 200,
        headers: Headers.fromInput({
          "x-rate-limit-limit": "100",
          "x-rate-limit-remaining": "42",
          "x-rate-limit-reset": String(date / 1000 + 30),
          date: new Date(date).toUTCString()
        })
      })
      yield* limiter.run(users, answer)
      const after = yield* Clock.currentTimeMillis
      // Okta's clock was at least `Date` when we received the answer: the reset is 30 s after that at the latest,
      // on our clock. The old fixed margin made it 31 s.
      const state = yield* store.state(users, after)
      expect(state?.resetAt).toBeGreaterThanOrEqual(before + 30_000)
      expect(state?.resetAt).toBeLessThanOrEqual(after + 30_000)
    }).pipe(Effect.scoped))

  it.live(
    "RateLimiter.layerRedis: clients of two processes (OktaClient.layerWithoutRateLimiter) share one budget",
    () =>
      Effect.gen(function*() {
        const server = yield* RedisServer.make
        const sandbox = yield* Sandbox.make({ rateLimits: { "*": { limit: 6, window: "2 seconds" } } })
        /** One process: its own Redis connection, limiter and client, as an embedder wires them. */
        const client = Layer.build(
          OktaClient.layerWithoutRateLimiter({ domain: sandbox.url, token: sandbox.token }).pipe(
            Layer.provide(RateLimiter.layerRedis({ maxConcurrency: 4 })),
            Layer.provide(Layer.effect(Redis.Redis, connection(server.url))),
            Layer.provide(FetchHttpClient.layer)
          )
        ).pipe(Effect.map(Context.get(OktaClient.OktaClient)))
        const [a, b] = yield* Effect.all([client, client])
        // 16 lookups on a bucket of 6 per 2 seconds: several windows, none overrun by the two together.
        const users = yield* Effect.forEach(
          Array.from({ length: 16 }, (_, i) => i % 2 === 0 ? a : b),
          (okta) => okta.getUser("jsmith@example.com"),
          { concurrency: "unbounded" }
        )
        expect(users.map((user) => user.profile.login)).toEqual(Array(16).fill("jsmith@example.com"))
        const counters = yield* sandbox.counters
        expect(counters.byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": 16 })
        expect(counters.rateLimited).toBe(0)
      }).pipe(Effect.scoped),
    60_000
  )
})
