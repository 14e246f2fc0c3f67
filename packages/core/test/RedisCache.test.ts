import { expect, it } from "@effect/vitest"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Provider from "@enrich/core/Provider"
import * as Redis from "@enrich/core/Redis"
import * as FakeProvider from "@enrich/core/testing/FakeProvider"
import {
  Config,
  ConfigProvider,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  Schedule,
  Schema
} from "effect"
import type { Scope } from "effect"
import { Redis as IORedis } from "ioredis"
import { defaultPrefix, makeRedis, type RedisOptions } from "../src/internal/redisCache.js"
import * as RedisServer from "./support/redisServer.js"

const found = FakeProvider.found({ status: "ACTIVE" }, { raw: { id: "00u1" } })
const partial = FakeProvider.found({ status: "ACTIVE" }, { warnings: ["groups could not be fetched"] })
const entry = (lookup: Provider.Lookup): EnrichmentCache.Entry => ({ lookup, enriched_at: "2025-01-15T10:30:06.000Z" })
const anHour = (_: EnrichmentCache.Entry) => Duration.hours(1)
const key = "enrichment:okta:account:jsmith@example.com"

/** A computation that counts its runs and answers `lookup` once `gate` (if any) is open. */
const counted = (lookup: Provider.Lookup | "fail", gate?: Deferred.Deferred<void>) => {
  const state = { runs: 0 }
  const started = Deferred.unsafeMake<void>(undefined as never)
  const compute = Effect.gen(function*() {
    state.runs++
    yield* Deferred.succeed(started, undefined)
    if (gate !== undefined) yield* Deferred.await(gate)
    if (lookup === "fail") {
      return yield* Effect.fail(new Provider.ProviderError({ provider: "fake", reason: "Okta is unreachable" }))
    }
    return entry(lookup)
  })
  return { state, compute, started }
}

/**
 * Quick reconnection for fault tests; a command timeout generous enough that a loaded machine does not look like an
 * outage (the slow-Redis test sets its own).
 */
const connection = (url: string, commandTimeout: Duration.DurationInput = Duration.seconds(3)) =>
  Redis.make({
    url,
    commandTimeout,
    connectTimeout: Duration.seconds(3),
    reconnectBackoff: Duration.millis(20),
    reconnectBackoffCap: Duration.millis(200)
  })

/** One "process": its own Redis connection and cache. */
const instance = (url: string, options?: RedisOptions, commandTimeout?: Duration.DurationInput) =>
  Effect.gen(function*() {
    const redis = yield* Effect.orDie(connection(url, commandTimeout))
    const cache = yield* makeRedis(options).pipe(Effect.provideService(Redis.Redis, redis))
    return { redis, cache }
  })

/** A plain client to look at what is stored. */
const rawClient = (port: number): Effect.Effect<IORedis, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new IORedis({ port, host: "127.0.0.1", lazyConnect: false })),
    (c) => Effect.sync(() => c.disconnect())
  )

const raw = <A>(run: () => Promise<A>) => Effect.promise(run)

/** Polls a condition on the live clock: waits for an event without guessing how long it takes. */
const eventually = <E, R>(condition: Effect.Effect<boolean, E, R>) =>
  condition.pipe(
    Effect.repeat({ until: (ok) => ok, schedule: Schedule.spaced(Duration.millis(5)) }),
    Effect.timeoutFail({ duration: Duration.seconds(3), onTimeout: () => new Error("condition not reached") }),
    Effect.orDie
  )

/** Script calls Redis has run so far (claims, renewals, stores), from its own statistics. */
const scriptCalls = (client: IORedis) =>
  Effect.map(raw(() => client.info("commandstats")), (info) => {
    let calls = 0
    for (const match of info.matchAll(/cmdstat_(?:eval|evalsha):calls=(\d+)/g)) calls += Number(match[1])
    return calls
  })

const captureLogs = () => {
  const lines: Array<{ level: string; message: string }> = []
  const logger = Logger.make(({ logLevel, message }) => {
    lines.push({ level: logLevel.label, message: Array.isArray(message) ? message.join(" ") : String(message) })
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

RedisServer.describeRedis("EnrichmentCache on Redis", () => {
  it.live("stores entries as compact Entry JSON under the versioned prefix, with a Redis TTL (PX)", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const a = yield* instance(server.url)
      const b = yield* instance(server.url)
      const { compute, state } = counted(found)

      const first = yield* a.cache.getOrCompute(key, compute, anHour)
      const second = yield* b.cache.getOrCompute(key, compute, anHour)

      expect(state.runs).toBe(1)
      expect(first.hit).toBe(false)
      expect(second).toEqual({ value: entry(found), hit: true })
      const stored = yield* raw(() => client.get(`${defaultPrefix}${key}`))
      expect(stored).toBe(Schema.encodeSync(EnrichmentCache.EntryFromJson)(entry(found)))
      expect(stored).not.toMatch(/\s/)
      const pttl = yield* raw(() => client.pttl(`${defaultPrefix}${key}`))
      expect(pttl).toBeGreaterThan(0)
      expect(pttl).toBeLessThanOrEqual(3_600_000)
      expect(yield* raw(() => client.keys(`${defaultPrefix}lock:*`))).toEqual([])
      expect(yield* b.cache.stats).toEqual({ hits: 1, misses: 0, coalesced: 0, evictions: 0 })
      expect(yield* a.cache.stats).toEqual({ hits: 0, misses: 1, coalesced: 0, evictions: 0 })
    }).pipe(Effect.scoped))

  it.live("an entry expired by Redis is a miss", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const { cache } = yield* instance(server.url)
      const { compute, state } = counted(found)
      yield* cache.getOrCompute(key, compute, anHour)
      // Let Redis itself expire the entry: shorten its TTL and wait for the key to disappear.
      yield* raw(() => client.pexpire(`${defaultPrefix}${key}`, 1))
      yield* eventually(raw(() => client.exists(`${defaultPrefix}${key}`).then((n) => n === 0)))

      const again = yield* cache.getOrCompute(key, compute, anHour)

      expect(again.hit).toBe(false)
      expect(state.runs).toBe(2)
    }).pipe(Effect.scoped))

  it.live("prefixes keep namespaces (and format versions) apart", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const v1 = yield* instance(server.url)
      const v2 = yield* instance(server.url, { prefix: "enrich:v2:" })
      const { compute, state } = counted(found)

      yield* v1.cache.getOrCompute(key, compute, anHour)
      const other = yield* v2.cache.getOrCompute(key, compute, anHour)

      expect(other.hit).toBe(false)
      expect(state.runs).toBe(2)
      expect((yield* raw(() => client.keys("*"))).sort()).toEqual([`enrich:v1:${key}`, `enrich:v2:${key}`])
    }).pipe(Effect.scoped))

  it.live("EnrichmentCache.layerRedis / layerRedisConfig: the public layers over a Redis connection", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const RedisLive = Layer.effect(Redis.Redis, Effect.orDie(connection(server.url)))
      const build = (layer: Layer.Layer<EnrichmentCache.EnrichmentCache, unknown, Redis.Redis>) =>
        Effect.map(Layer.build(Layer.provide(layer, RedisLive)), Context.get(EnrichmentCache.EnrichmentCache))
      const plain = yield* build(EnrichmentCache.layerRedis())
      const configured = yield* build(EnrichmentCache.layerRedisConfig({ prefix: Config.string("CACHE_PREFIX") })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CACHE_PREFIX", "tenant-a:v1:"]])))
      )
      const { compute } = counted(found)
      yield* plain.getOrCompute(key, compute, anHour)
      yield* configured.getOrCompute(key, compute, anHour)
      expect(EnrichmentCache.redisPrefix).toBe("enrich:v1:")
      expect((yield* raw(() => client.keys("*"))).sort()).toEqual([`enrich:v1:${key}`, `tenant-a:v1:${key}`])
    }).pipe(Effect.scoped))

  it.live("a corrupt or old-version entry is a miss and is overwritten", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const { cache } = yield* instance(server.url)
      for (
        const stale of ["{not json", JSON.stringify({ result: { status: "ACTIVE" }, cachedAt: 1736937006 }), "null"]
      ) {
        yield* raw(() => client.set(`${defaultPrefix}${key}`, stale, "PX", 60_000))
        const { compute, state } = counted(found)

        const outcome = yield* cache.getOrCompute(key, compute, anHour)

        expect(outcome).toEqual({ value: entry(found), hit: false })
        expect(state.runs).toBe(1)
        const stored = yield* raw(() => client.get(`${defaultPrefix}${key}`))
        expect(Schema.decodeSync(EnrichmentCache.EntryFromJson)(stored ?? "")).toEqual(entry(found))
      }
    }).pipe(Effect.scoped))

  it.live("does not store failures, partial results or zero TTLs, and frees the lock after each", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const { cache } = yield* instance(server.url)

      const failing = counted("fail")
      const exit = yield* Effect.exit(cache.getOrCompute(key, failing.compute, anHour))
      expect(Exit.isFailure(exit)).toBe(true)
      yield* cache.getOrCompute(key, counted(partial).compute, anHour)
      yield* cache.getOrCompute(key, counted(found).compute, () => Duration.zero)

      expect(yield* raw(() => client.keys("*"))).toEqual([])
    }).pipe(Effect.scoped))

  it.live("20 concurrent lookups of one key across 4 processes run the computation exactly once", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const instances = yield* Effect.all(Array.from({ length: 4 }, () => instance(server.url)))
      const gate = yield* Deferred.make<void>()
      const { compute, started, state } = counted(found, gate)

      const lookups = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => instances[i % 4].cache),
        (cache) => Effect.fork(cache.getOrCompute(key, compute, anHour))
      )
      yield* Deferred.await(started)
      // Every other process has to find the lock taken: open the gate only once each one has polled.
      const client = yield* rawClient(server.port)
      yield* eventually(Effect.map(scriptCalls(client), (calls) => calls >= 12))
      yield* Deferred.succeed(gate, undefined)
      const outcomes = yield* Fiber.joinAll(lookups)

      expect(state.runs).toBe(1)
      expect(outcomes.every((o) => o.value.lookup._tag === "Found")).toBe(true)
      expect(outcomes.filter((o) => !o.hit)).toHaveLength(1)
      const stats = yield* Effect.forEach(instances, (i) => i.cache.stats)
      expect(stats.reduce((n, s) => n + s.misses, 0)).toBe(1)
      // 3 processes waited on the lock owner; 16 callers joined a lookup of their own process.
      expect(stats.reduce((n, s) => n + s.coalesced, 0)).toBe(19)
    }).pipe(Effect.scoped))

  it.live("1,000 concurrent lookups in one process make one Redis round (claim, then store and release)", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const { cache } = yield* instance(server.url)
      yield* cache.getOrCompute("warm-up: loads the scripts", counted(found).compute, anHour)
      const before = yield* scriptCalls(client)
      const { compute, state } = counted(found)

      const outcomes = yield* Effect.all(Array.from({ length: 1000 }, () => cache.getOrCompute(key, compute, anHour)), {
        concurrency: "unbounded"
      })

      expect(state.runs).toBe(1)
      expect(outcomes.filter((o) => o.hit)).toHaveLength(999)
      expect((yield* scriptCalls(client)) - before).toBe(2)
    }).pipe(Effect.scoped))

  it.live("a lock left behind by a dead owner expires and a waiter takes over", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const { cache } = yield* instance(server.url)
      // A process took the lock and died: nobody renews it, nobody releases it.
      yield* raw(() => client.set(`${defaultPrefix}lock:${key}`, "dead-process", "PX", 300))
      const { compute, state } = counted(found)

      const outcome = yield* cache.getOrCompute(key, compute, anHour)

      expect(outcome.hit).toBe(false)
      expect(state.runs).toBe(1)
      expect(yield* raw(() => client.exists(`${defaultPrefix}${key}`))).toBe(1)
    }).pipe(Effect.scoped))

  it.live("an owner whose scope closes mid-lookup frees the lock and a waiter takes over", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const b = yield* instance(server.url)
      const gate = yield* Deferred.make<void>()
      const owner = counted(found, gate)
      const ownerFiber = yield* Effect.fork(Effect.scoped(
        Effect.flatMap(instance(server.url), (a) => a.cache.getOrCompute(key, owner.compute, anHour))
      ))
      yield* Deferred.await(owner.started)
      const waiter = counted(found)
      const waiting = yield* Effect.fork(b.cache.getOrCompute(key, waiter.compute, anHour))

      yield* Fiber.interrupt(ownerFiber)
      const outcome = yield* Fiber.join(waiting)

      expect(owner.state.runs).toBe(1)
      expect(waiter.state.runs).toBe(1)
      expect(outcome.hit).toBe(false)
    }).pipe(Effect.scoped))

  it.live("renews the lock while a computation outlives its TTL, so it still runs once", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const options = { lockTtl: Duration.millis(150) }
      const a = yield* instance(server.url, options)
      const b = yield* instance(server.url, options)
      const gate = yield* Deferred.make<void>()
      const { compute, started, state } = counted(found, gate)
      const lock = `${defaultPrefix}lock:${key}`

      const owner = yield* Effect.fork(a.cache.getOrCompute(key, compute, anHour))
      yield* Deferred.await(started)
      // Watch the lock's TTL go back up: each rise is a renewal. Several renewals = longer than the TTL itself.
      const renewals = { count: 0, last: Number.POSITIVE_INFINITY }
      const watch = Effect.map(raw(() => client.pttl(lock)), (pttl) => {
        if (pttl > renewals.last) renewals.count++
        renewals.last = pttl
        return pttl
      })
      yield* eventually(Effect.map(watch, () => renewals.count >= 4))
      const waiter = yield* Effect.fork(b.cache.getOrCompute(key, compute, anHour))
      yield* eventually(Effect.map(watch, () => renewals.count >= 8))
      expect(yield* raw(() => client.exists(lock))).toBe(1)
      yield* Deferred.succeed(gate, undefined)

      expect((yield* Fiber.join(owner)).hit).toBe(false)
      expect((yield* Fiber.join(waiter)).hit).toBe(true)
      expect(state.runs).toBe(1)
    }).pipe(Effect.scoped))

  it.live("Redis killed mid-run: lookups go on in process with one warning, then use Redis again after a restart", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const server = yield* RedisServer.make
      const { cache, redis } = yield* instance(server.url)
      const before = counted(found)
      yield* cache.getOrCompute("before", before.compute, anHour)

      yield* server.killAndRestart(Effect.gen(function*() {
        const during = counted(found)
        for (let i = 0; i < 5; i++) {
          const outcome = yield* cache.getOrCompute("during", during.compute, anHour)
          expect(outcome.value).toEqual(entry(found))
        }
        expect(during.state.runs).toBe(1)
        expect(yield* redis.available).toBe(false)
      }))
      yield* eventually(redis.available)
      const after = counted(found)
      yield* cache.getOrCompute("after", after.compute, anHour)
      const client = yield* rawClient(server.port)

      expect(yield* raw(() => client.exists(`${defaultPrefix}after`))).toBe(1)
      const warnings = logs.lines.filter((l) => l.level === "WARN")
      expect(warnings).toHaveLength(1)
      expect(warnings[0].message).toContain(`Redis at redis://127.0.0.1:${server.port}/0 is unavailable`)
      expect(logs.lines.some((l) => l.message.includes("available again"))).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(logs.layer))
  })

  it.live("Redis too slow to answer: lookups are served in process within the command timeout", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const server = yield* RedisServer.make
      const client = yield* rawClient(server.port)
      const { cache, redis } = yield* instance(server.url, undefined, Duration.millis(300))
      yield* raw(() => client.call("CLIENT", "PAUSE", "3000", "ALL"))
      const { compute, state } = counted(found)

      const outcome = yield* cache.getOrCompute(key, compute, anHour)

      expect(outcome.value).toEqual(entry(found))
      expect(state.runs).toBe(1)
      expect(yield* redis.available).toBe(false)
      expect(logs.lines.filter((l) => l.level === "WARN")).toHaveLength(1)
      expect(logs.lines.find((l) => l.level === "WARN")?.message).toContain("timed out")
    }).pipe(Effect.scoped, Effect.provide(logs.layer))
  })
})
