/**
 * The Redis-backed enrichment cache: entries shared by every process on one Redis, with cross-process single-flight.
 *
 * Waiters poll (with a capped exponential backoff) rather than subscribe: polling needs no second connection per
 * process, cannot miss a notification sent between a waiter's check and its SUBSCRIBE, and notices a dead lock owner
 * by the same round trip that looks for the result (the poll script takes the lock over when it has expired). The
 * cost, a few milliseconds of latency after the owner stores the entry, is small next to an Okta round trip.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import * as EnrichmentCache from "../EnrichmentCache.js"
import type * as Provider from "../Provider.js"
import * as Redis from "../Redis.js"

/** Options of the Redis cache. */
export interface RedisOptions {
  /** Prepended to every key: namespace and format version (default {@link defaultPrefix}). */
  readonly prefix?: string | undefined
  /** Time to live of a single-flight lock; its owner renews it every third of it while computing (default 10 s). */
  readonly lockTtl?: Duration.DurationInput | undefined
  /**
   * The longest a lookup waits for another process's computation (default 2 minutes, beyond an Okta rate-limit
   * window). Past it, the lookup computes itself and says so in a warning.
   */
  readonly maxWait?: Duration.DurationInput | undefined
  /** First poll delay of a waiter, doubled per poll (default 10 ms). */
  readonly pollInitial?: Duration.DurationInput | undefined
  /** Cap of the poll delay (default 250 ms). */
  readonly pollMax?: Duration.DurationInput | undefined
  /** Options of the in-process cache used while Redis is unavailable. */
  readonly fallback?: EnrichmentCache.MemoryOptions | undefined
}

/** The default key prefix: bump the version when the stored form of an entry changes incompatibly. */
export const defaultPrefix = "enrich:v1:"

/**
 * KEYS[1] entry, KEYS[2] lock; ARGV[1] token, ARGV[2] lock TTL ms, ARGV[3] "1" to ignore a stored value.
 * Returns {1, value} for a stored value, {2, ""} when this caller now holds the lock, {0, ""} when another does.
 * Reading the entry and taking the lock in one step is the "re-check after taking the lock": no owner can store
 * and release between them, so a lookup never recomputes what another process just stored.
 */
export const claimScript = Redis.script(
  "enrich.cache.claim",
  `local value = redis.call("GET", KEYS[1])
if value and ARGV[3] ~= "1" then return {1, value} end
if redis.call("SET", KEYS[2], ARGV[1], "NX", "PX", ARGV[2]) then return {2, ""} end
return {0, ""}`
)

/** KEYS[1] lock; ARGV[1] token, ARGV[2] TTL ms. Extends the lock if this caller still holds it (1), else 0. */
export const renewScript = Redis.script(
  "enrich.cache.renew",
  `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0`
)

/**
 * KEYS[1] entry, KEYS[2] lock; ARGV[1] token, ARGV[2] encoded entry ("" stores nothing), ARGV[3] TTL ms.
 * Stores the entry and releases the lock (only if still held by this caller) in one step, so a waiter never sees
 * the lock gone without the entry there.
 */
export const storeAndReleaseScript = Redis.script(
  "enrich.cache.storeAndRelease",
  `if ARGV[2] ~= "" then redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) end
if redis.call("GET", KEYS[2]) == ARGV[1] then redis.call("DEL", KEYS[2]) end
return 1`
)

type Claim =
  | { readonly _tag: "Stored"; readonly value: string }
  | { readonly _tag: "Owner" }
  | { readonly _tag: "Busy" }

const readClaim = (reply: unknown): Claim => {
  if (Array.isArray(reply) && reply[0] === 1 && typeof reply[1] === "string") return { _tag: "Stored", value: reply[1] }
  if (Array.isArray(reply) && reply[0] === 2) return { _tag: "Owner" }
  return { _tag: "Busy" }
}

/** What one Redis round of a lookup produced. */
type Found =
  | { readonly _tag: "Hit"; readonly entry: EnrichmentCache.Entry; readonly waited: boolean }
  | { readonly _tag: "Computed"; readonly entry: EnrichmentCache.Entry }

/**
 * Builds the Redis cache. While Redis is unavailable (see `Redis.Service.available`) lookups go to an in-process
 * memory cache; a Redis failure in the middle of a lookup finishes that lookup in process, never fails it.
 */
export const makeRedis = (
  options: RedisOptions = {}
): Effect.Effect<EnrichmentCache.Service, never, Redis.Redis | Scope.Scope> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    // Built here, not at import: EnrichmentCache.ts is to import this module (layerRedis), a cycle at load time.
    const encode = Schema.encodeSync(EnrichmentCache.EntryFromJson)
    const decode = Schema.decodeUnknownEither(EnrichmentCache.EntryFromJson)
    const prefix = options.prefix ?? defaultPrefix
    const lockTtl = Math.max(3, Math.round(Duration.toMillis(options.lockTtl ?? Duration.seconds(10))))
    const maxWait = Duration.toMillis(options.maxWait ?? Duration.minutes(2))
    const pollInitial = Math.max(1, Duration.toMillis(options.pollInitial ?? Duration.millis(10)))
    const pollMax = Math.max(pollInitial, Duration.toMillis(options.pollMax ?? Duration.millis(250)))
    // In-process single-flight: concurrent local callers of a key make one Redis round (capacity 0 stores nothing).
    const local = yield* EnrichmentCache.makeMemory({ capacity: 0 })
    const fallback = yield* EnrichmentCache.makeMemory(options.fallback)
    let hits = 0
    let misses = 0
    let coalesced = 0

    const entryKey = (key: string) => `${prefix}${key}`
    const lockKey = (key: string) => `${prefix}lock:${key}`

    /** Keeps the lock alive while its owner computes, however long (rate-limit pauses included). */
    const renewLoop = (key: string, token: string) =>
      Effect.forever(
        Effect.zipRight(
          Effect.sleep(Duration.millis(Math.floor(lockTtl / 3))),
          Effect.ignore(redis.eval(renewScript, [lockKey(key)], [token, lockTtl]))
        )
      )

    const storeLocally = (
      key: string,
      entry: EnrichmentCache.Entry,
      ttl: (entry: EnrichmentCache.Entry) => Duration.Duration
    ) => Effect.asVoid(fallback.getOrCompute(key, Effect.succeed(entry), ttl))

    /** Runs `compute` as the lock's owner, stores its result in Redis and releases the lock. */
    const own = (
      key: string,
      token: string,
      compute: Effect.Effect<EnrichmentCache.Entry, Provider.ProviderError>,
      ttl: (entry: EnrichmentCache.Entry) => Duration.Duration
    ) =>
      Effect.gen(function*() {
        misses++
        const renewer = yield* Effect.fork(renewLoop(key, token))
        const exit = yield* Effect.exit(compute).pipe(Effect.ensuring(Fiber.interrupt(renewer)))
        let encoded = ""
        let millis = 0
        if (exit._tag === "Success" && !EnrichmentCache.isPartial(exit.value)) {
          millis = Math.floor(Duration.toMillis(ttl(exit.value)))
          if (millis > 0) encoded = encode(exit.value)
        }
        const stored = yield* Effect.either(
          redis.eval(storeAndReleaseScript, [entryKey(key), lockKey(key)], [token, encoded, millis])
        )
        // Redis went away while we computed: keep the answer in process rather than lose it.
        if (Either.isLeft(stored) && exit._tag === "Success") yield* storeLocally(key, exit.value, ttl)
        return yield* exit
      }).pipe(
        // Interrupted (every caller left): free the lock at once rather than making waiters sit out its TTL.
        Effect.onInterrupt(() =>
          Effect.ignore(redis.eval(storeAndReleaseScript, [entryKey(key), lockKey(key)], [token, "", 0]))
        )
      )

    /** One lookup through Redis: a stored entry, a computation of ours as lock owner, or one of another process. */
    const throughRedis = (
      key: string,
      compute: Effect.Effect<EnrichmentCache.Entry, Provider.ProviderError>,
      ttl: (entry: EnrichmentCache.Entry) => Duration.Duration
    ): Effect.Effect<Found, Provider.ProviderError | Redis.RedisError> =>
      Effect.gen(function*() {
        const token = randomUUID()
        let ignoreStored = false
        let waited = 0
        let delay = pollInitial
        while (true) {
          const claim = readClaim(
            yield* redis.eval(claimScript, [entryKey(key), lockKey(key)], [token, lockTtl, ignoreStored ? "1" : "0"])
          )
          if (claim._tag === "Stored") {
            const decoded = decode(claim.value)
            // Corrupt, or written by an incompatible version: a miss, overwritten by the computation.
            if (Either.isRight(decoded)) {
              if (waited > 0) coalesced++
              else hits++
              return { _tag: "Hit", entry: decoded.right, waited: waited > 0 }
            }
            ignoreStored = true
            continue
          }
          ignoreStored = false
          if (claim._tag === "Owner") return { _tag: "Computed", entry: yield* own(key, token, compute, ttl) }
          if (waited >= maxWait) {
            yield* Effect.logWarning(
              `Waited ${
                Duration.format(Duration.millis(waited))
              } for another process to look up ${key}; looking it up here`
            )
            misses++
            return { _tag: "Computed", entry: yield* compute }
          }
          const jittered = delay / 2 + (yield* Random.nextIntBetween(0, Math.ceil(delay / 2) + 1))
          yield* Effect.sleep(Duration.millis(jittered))
          waited += jittered
          delay = Math.min(pollMax, delay * 2)
        }
      })

    /** The in-process cache answers: counted here like a Redis answer. */
    const inProcess = (
      key: string,
      compute: Effect.Effect<EnrichmentCache.Entry, Provider.ProviderError>,
      ttl: (entry: EnrichmentCache.Entry) => Duration.Duration
    ): Effect.Effect<Found, Provider.ProviderError> =>
      Effect.map(fallback.getOrCompute(key, compute, ttl), (outcome): Found => {
        if (outcome.hit) {
          hits++
          return { _tag: "Hit", entry: outcome.value, waited: false }
        }
        misses++
        return { _tag: "Computed", entry: outcome.value }
      })

    const getOrCompute: EnrichmentCache.Service["getOrCompute"] = (key, compute, ttl) =>
      Effect.gen(function*() {
        let fromStore = false
        const lookup = Effect.gen(function*() {
          // A RedisError only comes from a claim, before the computation starts (later failures are absorbed), so
          // falling back here never runs the computation twice.
          const found = (yield* redis.available)
            ? yield* Effect.catchTag(throughRedis(key, compute, ttl), "RedisError", () => inProcess(key, compute, ttl))
            : yield* inProcess(key, compute, ttl)
          fromStore = found._tag === "Hit"
          return found.entry
        })
        const outcome = yield* local.getOrCompute(key, lookup, () => Duration.zero)
        if (outcome.hit) coalesced++
        return { value: outcome.value, hit: outcome.hit || fromStore }
      })

    return EnrichmentCache.EnrichmentCache.of({
      getOrCompute,
      invalidate: (key) =>
        Effect.zipRight(
          fallback.invalidate(key),
          Effect.ignore(redis.command("DEL", (client) => client.del(entryKey(key))))
        ),
      size: Effect.gen(function*() {
        if (!(yield* redis.available)) return yield* fallback.size
        const counted = yield* Effect.either(
          redis.command("SCAN", async (client) => {
            let count = 0
            let cursor = "0"
            do {
              const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000)
              cursor = next
              count += keys.filter((k) => !k.startsWith(`${prefix}lock:`)).length
            } while (cursor !== "0")
            return count
          })
        )
        return Either.isRight(counted) ? counted.right : yield* fallback.size
      }),
      stats: Effect.map(fallback.stats, (memory) => ({ hits, misses, coalesced, evictions: memory.evictions }))
    })
  })
