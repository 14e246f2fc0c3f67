import { describe, expect, it } from "@effect/vitest"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Indicator from "@enrich/core/Indicator"
import * as Provider from "@enrich/core/Provider"
import * as FakeProvider from "@enrich/core/testing/FakeProvider"
import {
  Cause,
  Config,
  ConfigProvider,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Schema,
  TestClock
} from "effect"
import * as Compact from "../src/internal/compactEntry.js"
import { cost } from "./support/steps.js"

const found = FakeProvider.found({ status: "ACTIVE" }, { raw: { id: "00u1" } })
const partial = FakeProvider.found({ status: "ACTIVE" }, { warnings: ["groups could not be fetched"] })
const entry = (lookup: Provider.Lookup): EnrichmentCache.Entry => ({ lookup, enriched_at: "2025-01-15T10:30:06.000Z" })

/** A computation that counts its runs, takes `latency` and answers `lookup` (or fails). */
const counted = (lookup: Provider.Lookup | "fail", latency: Duration.DurationInput = Duration.zero) => {
  const state = { runs: 0, interrupted: 0 }
  const compute = Effect.suspend(() => {
    state.runs++
    return Effect.sleep(latency).pipe(
      Effect.zipRight(
        lookup === "fail"
          ? Effect.fail(new Provider.ProviderError({ provider: "fake", reason: "Okta is unreachable" }))
          : Effect.succeed(entry(lookup))
      ),
      Effect.onInterrupt(() => Effect.sync(() => state.interrupted++))
    )
  })
  return { state, compute }
}

const provider = FakeProvider.make({ name: "okta" })
const ttl = (e: EnrichmentCache.Entry) => Provider.ttlOf(provider, "account", e.lookup)

/** Lets forked fibers run up to their first suspension. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("EnrichmentCache", () => {
  it.effect("builds keys enrichment:{provider}:{type}:{normalized value}", () =>
    Effect.gen(function*() {
      const jsmith = yield* Indicator.account("  JSmith@Example.com ")
      expect(EnrichmentCache.key(provider, jsmith)).toBe("enrichment:okta:account:jsmith@example.com")
      expect(EnrichmentCache.key("other", jsmith)).toBe("enrichment:other:account:jsmith@example.com")
    }))

  it.effect("entries survive a JSON round trip (what a shared store needs)", () =>
    Effect.gen(function*() {
      for (const lookup of [found, partial, FakeProvider.notFound]) {
        const json = yield* Schema.encode(EnrichmentCache.EntryFromJson)(entry(lookup))
        expect(typeof json).toBe("string")
        const back = yield* Schema.decode(EnrichmentCache.EntryFromJson)(json)
        expect(back).toEqual(entry(lookup))
        expect(back.lookup).toBeInstanceOf(lookup._tag === "Found" ? Provider.Found : Provider.NotFound)
      }
    }))

  describe("layerMemory", () => {
    it.scoped("serves a found entry from the cache until its TTL (1 hour) has passed", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(found)
        const first = yield* cache.getOrCompute("k", compute, ttl)
        expect(first.hit).toBe(false)
        yield* TestClock.adjust("59 minutes")
        const second = yield* cache.getOrCompute("k", compute, ttl)
        expect(second).toEqual({ value: first.value, hit: true })
        expect(state.runs).toBe(1)
        yield* TestClock.adjust("1 minute")
        const third = yield* cache.getOrCompute("k", compute, ttl)
        expect(third.hit).toBe(false)
        expect(state.runs).toBe(2)
        expect(yield* cache.stats).toEqual({ hits: 1, misses: 2, coalesced: 0, evictions: 0 })
      }))

    it.scoped("keeps a not-found only for the not-found TTL (5 minutes)", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(FakeProvider.notFound)
        yield* cache.getOrCompute("k", compute, ttl)
        yield* TestClock.adjust("4 minutes")
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(true)
        expect(state.runs).toBe(1)
        yield* TestClock.adjust("1 minute")
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(false)
        expect(state.runs).toBe(2)
      }))

    it.scoped("counts the TTL from when the answer arrived, not from when it was asked", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(FakeProvider.notFound, "2 minutes")
        const fiber = yield* Effect.fork(cache.getOrCompute("k", compute, ttl))
        yield* TestClock.adjust("2 minutes")
        yield* Fiber.join(fiber)
        yield* TestClock.adjust("4 minutes")
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(true)
        expect(state.runs).toBe(1)
      }))

    it.scoped("evicts the least recently used entry beyond its capacity", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory({ capacity: 2 })
        const runs: Record<string, number> = {}
        const get = (key: string) =>
          cache.getOrCompute(
            key,
            Effect.sync(() => (runs[key] = (runs[key] ?? 0) + 1)).pipe(Effect.as(entry(found))),
            ttl
          )
        yield* get("a")
        yield* get("b")
        yield* get("a") // a is now more recently used than b
        yield* get("c") // evicts b
        expect(yield* cache.size).toBe(2)
        expect((yield* get("a")).hit).toBe(true)
        expect((yield* get("c")).hit).toBe(true)
        expect((yield* get("b")).hit).toBe(false)
        expect(runs).toEqual({ a: 1, b: 2, c: 1 })
        expect((yield* cache.stats).evictions).toBe(2)
        expect(yield* cache.size).toBe(2)
      }))

    it.scoped("does not count expired entries in its size", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        yield* cache.getOrCompute("nf", Effect.succeed(entry(FakeProvider.notFound)), ttl)
        yield* cache.getOrCompute("f", Effect.succeed(entry(found)), ttl)
        expect(yield* cache.size).toBe(2)
        yield* TestClock.adjust("5 minutes")
        expect(yield* cache.size).toBe(1)
      }))

    it.scoped("runs the computation once for 100 concurrent lookups of one key", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(found, "1 second")
        const fiber = yield* Effect.fork(
          Effect.forEach(Array.from({ length: 100 }), () => cache.getOrCompute("k", compute, ttl), {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust("1 second")
        const outcomes = yield* Fiber.join(fiber)
        expect(state.runs).toBe(1)
        expect(outcomes.filter((o) => !o.hit)).toHaveLength(1)
        expect(new Set(outcomes.map((o) => o.value)).size).toBe(1)
        expect(yield* cache.stats).toEqual({ hits: 0, misses: 1, coalesced: 99, evictions: 0 })
      }))

    it.scoped("never stores failures, and shares a failure with the callers waiting on it", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted("fail", "1 second")
        const fiber = yield* Effect.fork(
          Effect.forEach(Array.from({ length: 10 }), () => Effect.exit(cache.getOrCompute("k", compute, ttl)), {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust("1 second")
        const exits = yield* Fiber.join(fiber)
        expect(state.runs).toBe(1)
        for (const exit of exits) {
          expect(exit).toStrictEqual(
            Exit.fail(new Provider.ProviderError({ provider: "fake", reason: "Okta is unreachable" }))
          )
        }
        const again = yield* Effect.fork(Effect.exit(cache.getOrCompute("k", compute, ttl)))
        yield* TestClock.adjust("1 second")
        expect(Exit.isFailure(yield* Fiber.join(again))).toBe(true)
        expect(state.runs).toBe(2)
        expect(yield* cache.size).toBe(0)
      }))

    it.scoped("a failed computation is not logged as an unhandled fiber error (its callers get the failure)", () => {
      const lines: Array<string> = []
      const capture = Logger.make(({ message }) => {
        lines.push(JSON.stringify(message))
      })
      return Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute } = counted("fail", "1 second")
        const fiber = yield* Effect.fork(Effect.exit(cache.getOrCompute("k", compute, ttl)))
        yield* TestClock.adjust("1 second")
        expect(Exit.isFailure(yield* Fiber.join(fiber))).toBe(true)
        yield* Effect.logDebug("probe")
        expect(lines.some((line) => line.includes("probe"))).toBe(true)
        expect(lines.filter((line) => line.includes("unhandled"))).toStrictEqual([])
      }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
    })

    it.scoped("never stores partial results, even with a positive TTL", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(partial)
        const first = yield* cache.getOrCompute("k", compute, () => Duration.hours(1))
        expect(first.value.lookup).toEqual(partial)
        const second = yield* cache.getOrCompute("k", compute, () => Duration.hours(1))
        expect(second.hit).toBe(false)
        expect(state.runs).toBe(2)
        expect(yield* cache.size).toBe(0)
      }))

    it.scoped("keeps computing for the others when the first caller is interrupted", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(found, "1 second")
        const first = yield* Effect.fork(cache.getOrCompute("k", compute, ttl))
        yield* settle
        const others = yield* Effect.fork(
          Effect.forEach(Array.from({ length: 5 }), () => cache.getOrCompute("k", compute, ttl), {
            concurrency: "unbounded"
          })
        )
        yield* settle
        yield* Fiber.interrupt(first)
        yield* TestClock.adjust("1 second")
        const outcomes = yield* Fiber.join(others)
        expect(outcomes.map((o) => o.value.lookup)).toEqual(Array.from({ length: 5 }, () => found))
        expect(state).toEqual({ runs: 1, interrupted: 0 })
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(true)
      }))

    it.scoped("stops the computation when every caller is interrupted, and computes afresh afterwards", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(found, "1 second")
        const callers = yield* Effect.fork(
          Effect.forEach(Array.from({ length: 3 }), () => cache.getOrCompute("k", compute, ttl), {
            concurrency: "unbounded"
          })
        )
        yield* settle
        yield* Fiber.interrupt(callers)
        yield* settle
        expect(state).toEqual({ runs: 1, interrupted: 1 })
        const next = yield* Effect.fork(cache.getOrCompute("k", compute, ttl))
        yield* TestClock.adjust("1 second")
        expect((yield* Fiber.join(next)).hit).toBe(false)
        expect(state.runs).toBe(2)
      }))

    it.scoped("shares a defect with every waiting caller and does not store it", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        let runs = 0
        const compute = Effect.suspend(() => {
          runs++
          return Effect.sleep("1 second").pipe(Effect.zipRight(Effect.dieMessage("boom")))
        })
        const fiber = yield* Effect.fork(
          Effect.forEach(Array.from({ length: 3 }), () => Effect.exit(cache.getOrCompute("k", compute, ttl)), {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust("1 second")
        const exits = yield* Fiber.join(fiber)
        expect(exits.every((exit) => Exit.isFailure(exit) && exit.cause._tag === "Die")).toBe(true)
        expect(runs).toBe(1)
        expect(yield* cache.size).toBe(0)
      }))

    it.scoped("hands a throwing ttl function to the callers as a defect instead of leaving them waiting", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const exit = yield* Effect.exit(
          cache.getOrCompute("k", Effect.succeed(entry(found)), () => {
            throw new Error("bad ttl")
          })
        )
        expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("bad ttl")
        expect(yield* cache.size).toBe(0)
      }))

    it.scoped("forgets an entry on invalidate", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.makeMemory()
        const { compute, state } = counted(found)
        yield* cache.getOrCompute("k", compute, ttl)
        yield* cache.invalidate("k")
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(false)
        expect(state.runs).toBe(2)
      }))

    it.scoped("refuses a capacity that is not a non-negative integer", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(EnrichmentCache.makeMemory({ capacity: -1 }))
        expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain(
          "EnrichmentCache capacity must be a non-negative integer, got -1"
        )
      }))
  })

  describe("layerMemoryConfig", () => {
    it.effect("reads its capacity from Config", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.EnrichmentCache
        yield* cache.getOrCompute("a", Effect.succeed(entry(found)), ttl)
        yield* cache.getOrCompute("b", Effect.succeed(entry(found)), ttl)
        expect(yield* cache.size).toBe(1)
        expect((yield* cache.stats).evictions).toBe(1)
      }).pipe(
        Effect.provide(EnrichmentCache.layerMemoryConfig({ capacity: Config.integer("CACHE_CAPACITY") })),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CACHE_CAPACITY", "1"]])))
      ))

    it.effect("fails with a ConfigError naming the bad setting", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Layer.build(EnrichmentCache.layerMemoryConfig({ capacity: Config.integer("CACHE_CAPACITY") })).pipe(
            Effect.scoped
          )
        )
        expect(String(error)).toContain("CACHE_CAPACITY")
      }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CACHE_CAPACITY", "lots"]])))))
  })

  describe("layerNone", () => {
    it.effect("runs every lookup and stores nothing", () =>
      Effect.gen(function*() {
        const cache = yield* EnrichmentCache.EnrichmentCache
        const { compute, state } = counted(found)
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(false)
        expect((yield* cache.getOrCompute("k", compute, ttl)).hit).toBe(false)
        expect(state.runs).toBe(2)
        expect(yield* cache.size).toBe(0)
        expect((yield* cache.stats).misses).toBe(2)
      }).pipe(Effect.provide(EnrichmentCache.layerNone)))
  })
})

describe("EnrichmentCache hot path", () => {
  it.scoped("a hit of the memory cache is one runtime step: no Deferred, no fiber, no interruption mask", () =>
    Effect.gen(function*() {
      const cache = yield* EnrichmentCache.makeMemory()
      const ttl = () => Duration.hours(1)
      yield* cache.getOrCompute("k", Effect.succeed(entry(found)), ttl)
      const floor = yield* cost(Effect.void)
      const hit = yield* cost(cache.getOrCompute("k", Effect.dieMessage("should be cached"), ttl))
      expect(hit.forks).toBe(0)
      // The floor is the counting itself plus `Effect.void`'s one step.
      expect(hit.steps - floor.steps).toBeLessThanOrEqual(1)
      expect((yield* cache.stats).hits).toBe(1)
    }))
})

describe("EnrichmentCache memory: compact entries", () => {
  const oktaLike = (n: number) =>
    FakeProvider.found({
      user_id: `00u${n}`,
      login: `user${n}@example.com`,
      status: "ACTIVE",
      groups: ["Everyone", `Team ${n % 7}`],
      mfa_enrolled: n % 2 === 0,
      admin_roles: [{ type: "ORG_ADMIN", label: "Administrator" }],
      manager: null
    }, { raw: n % 3 === 0 ? { user: { id: `00u${n}` } } : null })

  it.scoped("gives back equal entries once they have left the decoded hot set (300 entries > 256 decoded)", () =>
    Effect.gen(function*() {
      const cache = yield* EnrichmentCache.makeMemory()
      const entries = Array.from({ length: 300 }, (_, n) => entry(n % 10 === 9 ? FakeProvider.notFound : oktaLike(n)))
      for (let n = 0; n < entries.length; n++) {
        yield* cache.getOrCompute(`k${n}`, Effect.succeed(entries[n]), () => Duration.hours(1))
      }
      for (let n = 0; n < entries.length; n++) {
        const outcome = yield* cache.getOrCompute(`k${n}`, Effect.dieMessage("should be cached"), ttl)
        expect(outcome.hit).toBe(true)
        expect(outcome.value).toEqual(entries[n])
        expect(outcome.value.lookup).toBeInstanceOf(n % 10 === 9 ? Provider.NotFound : Provider.Found)
      }
      expect((yield* cache.stats).hits).toBe(300)
    }))

  it.scoped("keeps an entry that JSON would change (a Date, undefined) as it is", () =>
    Effect.gen(function*() {
      const cache = yield* EnrichmentCache.makeMemory()
      const odd = entry(FakeProvider.found({ last_login: new Date(0), manager: undefined }))
      yield* cache.getOrCompute("odd", Effect.succeed(odd), () => Duration.hours(1))
      for (let n = 0; n < 300; n++) {
        yield* cache.getOrCompute(`k${n}`, Effect.succeed(entry(oktaLike(n))), () => Duration.hours(1))
      }
      const outcome = yield* cache.getOrCompute("odd", Effect.dieMessage("should be cached"), ttl)
      expect(outcome.value).toBe(odd)
      expect(Compact.encode(odd, new Compact.Shapes())).toBe(odd)
    }))

  it("stores an answer as one string, its record's keys shared by every entry of the same shape", () => {
    const shapes = new Compact.Shapes()
    const first = Compact.encode(entry(oktaLike(1)), shapes)
    const second = Compact.encode(entry(oktaLike(2)), shapes)
    expect(typeof first).toBe("string")
    expect(second).not.toContain("user_id")
    expect(second).toContain("user2@example.com")
    expect(shapes.keys).toHaveLength(1)
    expect(Compact.decode(second, shapes)).toEqual(entry(oktaLike(2)))
  })

  it("decodes a valid Found (checked here, not on every read), its own record and list, for every compact form", () => {
    const shapes = new Compact.Shapes()
    const wide = FakeProvider.found(Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`f${i}`, [i]])))
    for (const original of [entry(oktaLike(1)), entry(oktaLike(3)), entry(wide), entry(FakeProvider.notFound)]) {
      const decoded = Compact.decode(Compact.encode(original, shapes), shapes)
      expect(decoded).toEqual(original)
      expect(Schema.is(EnrichmentCache.Entry)(decoded)).toBe(true)
      if (decoded?.lookup._tag === "Found") {
        expect(decoded.lookup.warnings).toEqual([])
        expect(decoded.lookup.isPartial).toBe(false)
      }
    }
    // A record of a shape that cannot be shared is kept whole and read back the same way.
    const whole = Compact.decode(JSON.stringify(["t", null, { a: 1 }]), shapes)
    expect(whole?.lookup).toEqual(new Provider.Found({ extracted: { a: 1 }, raw: null }))
  })

  it("reads anything that is not a compact entry as a miss, never a crash", () => {
    const shapes = new Compact.Shapes()
    Compact.encode(entry(oktaLike(1)), shapes)
    for (
      const garbage of ["", "{", "null", "[]", "[1]", "{\"a\":1}", "[\"t\",null]", "[\"t\",null,[]]", "[\"t\",null,7]"]
    ) {
      expect(Compact.decode(garbage, shapes)).toBeUndefined()
    }
    // The right shape number with the wrong number of values.
    expect(Compact.decode("[\"t\",null,0,true]", shapes)).toBeUndefined()
  })

  it.scoped("unsafeGet reads a live entry synchronously and counts a hit; an absent or expired one is undefined", () =>
    Effect.gen(function*() {
      const cache = yield* EnrichmentCache.makeMemory()
      const unsafeGet = cache.unsafeGet
      if (unsafeGet === undefined) return expect.unreachable("the memory cache has unsafeGet")
      expect(unsafeGet("k", 0)).toBeUndefined()
      yield* cache.getOrCompute("k", Effect.succeed(entry(found)), () => Duration.minutes(5))
      expect(unsafeGet("k", 0)).toEqual(entry(found))
      expect(unsafeGet("k", Duration.toMillis("5 minutes"))).toBeUndefined()
      expect(yield* cache.stats).toEqual({ hits: 1, misses: 1, coalesced: 0, evictions: 0 })
    }))

  it.effect("a cache that is not held in process has no unsafeGet", () =>
    Effect.gen(function*() {
      const cache = yield* EnrichmentCache.EnrichmentCache
      expect(cache.unsafeGet).toBeUndefined()
    }).pipe(Effect.provide(EnrichmentCache.layerNone)))
})
