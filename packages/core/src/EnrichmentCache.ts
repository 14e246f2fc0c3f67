/**
 * The cache in front of every provider: bounded, TTL-based, single-flight.
 *
 * Entries are Schema-encodable ({@link Entry}), so a shared store (Redis) can hold them; the memory layer keeps them
 * compactly (one JSON string each, the most recently used also decoded) and can be read synchronously.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Indicator } from "./Indicator.js"
import * as internalMemory from "./internal/memoryCache.js"
import * as internalRedis from "./internal/redisCache.js"
import * as Provider from "./Provider.js"
import type * as Redis from "./Redis.js"

/**
 * What is cached for one provider and one indicator: the provider's answer and when it was given (ISO 8601).
 * Verdicts are not cached: rules are evaluated after the cache, so changing rules needs no flush.
 */
export const Entry = Schema.Struct({
  lookup: Provider.Lookup,
  enriched_at: Schema.String
})

/** What is cached for one provider and one indicator. */
export interface Entry extends Schema.Schema.Type<typeof Entry> {}

/** An {@link Entry} as a JSON string, the form a shared store (Redis) keeps. */
export const EntryFromJson: Schema.Schema<Entry, string> = Schema.parseJson(Entry)

/** The cache key of a provider's answer for an indicator: `enrichment:{provider}:{type}:{normalized value}`. */
export const key = (provider: Provider.Provider | string, indicator: Indicator): string =>
  `enrichment:${typeof provider === "string" ? provider : provider.name}:${indicator.type}:${indicator.value}`

/**
 * The answer of {@link Service.getOrCompute}: the entry and whether it was served without running the computation
 * for this caller (`hit`: from the cache, or shared with a concurrent caller of the same key).
 */
export interface Outcome {
  readonly value: Entry
  readonly hit: boolean
}

/** Counters since the cache was built. */
export interface Stats {
  /** Served from a stored entry. */
  readonly hits: number
  /** Ran the computation. */
  readonly misses: number
  /** Joined a computation already running for the same key (single-flight). */
  readonly coalesced: number
  /** Entries dropped to stay within capacity. */
  readonly evictions: number
}

/** The cache service. */
export interface Service {
  /**
   * Returns the live entry under `key`, or runs `compute` and stores its result for `ttl(result)`.
   *
   * Concurrent callers of one key share a single run of `compute` and its outcome (success, failure or defect).
   * Interrupting a caller never leaves the others waiting; the computation is interrupted only when no caller is
   * left. Failures are never stored, nor are partial results (`Found` with warnings) or results with a zero TTL.
   */
  readonly getOrCompute: (
    key: string,
    compute: Effect.Effect<Entry, Provider.ProviderError>,
    ttl: (entry: Entry) => Duration.Duration
  ) => Effect.Effect<Outcome, Provider.ProviderError>
  /**
   * Caches held in this process only (the memory cache; absent for a shared store such as Redis): the live entry
   * under `key` at `now` (epoch milliseconds, from Effect's `Clock`), read synchronously, or `undefined`. A found
   * entry counts as a hit; on `undefined`, call {@link Service.getOrCompute}, which counts the miss. It lets a caller
   * answer a hit without entering the single-flight path (no Deferred, no fiber, no runtime step).
   */
  readonly unsafeGet?: ((key: string, now: number) => Entry | undefined) | undefined
  /** Drops the entry under `key`; a computation running for it still answers its callers but is not stored. */
  readonly invalidate: (key: string) => Effect.Effect<void>
  /** The number of live entries. */
  readonly size: Effect.Effect<number>
  /** Hit, miss, coalesced and eviction counters. */
  readonly stats: Effect.Effect<Stats>
}

/**
 * The enrichment cache. Pick a layer: {@link layerMemory} (the default), {@link layerNone}, or {@link layerRedis}
 * (shared by several processes).
 */
export class EnrichmentCache extends Context.Tag("@enrich/core/EnrichmentCache")<EnrichmentCache, Service>() {}

/** Options of the memory cache. */
export interface MemoryOptions {
  /** The most entries kept; the least recently used is dropped beyond it. Default 10,000. */
  readonly capacity?: number | undefined
}

/** The default capacity of the memory cache. */
const defaultCapacity = 10_000

/** Returns true when an entry must never be stored: partial results (some related data could not be fetched). */
export const isPartial = (entry: Entry): boolean => entry.lookup._tag === "Found" && entry.lookup.isPartial

/**
 * Builds an in-memory cache: least-recently-used eviction beyond `capacity` (O(1) per operation), expiry read from
 * Effect's `Clock`, single-flight per key. Computations run in the given scope, so closing it interrupts them.
 * Dies when `capacity` is not a non-negative integer (0 keeps nothing but still coalesces concurrent lookups).
 *
 * Entries are kept compactly (the JSON of the extracted fields and raw responses, about half the heap of the decoded
 * objects); the most recently used few hundred are also kept decoded, so a hot account is answered without parsing.
 * It has {@link Service.unsafeGet}.
 */
export const makeMemory = (options?: MemoryOptions): Effect.Effect<Service, never, Scope.Scope> =>
  internalMemory.makeMemory(options?.capacity ?? defaultCapacity)

/** The in-memory cache (the default): see {@link makeMemory}. */
export const layerMemory = (options?: MemoryOptions): Layer.Layer<EnrichmentCache> =>
  Layer.scoped(EnrichmentCache, makeMemory(options))

/** The in-memory cache with its options read from `Config` (e.g. `{ capacity: Config.integer("CACHE_CAPACITY") }`). */
export const layerMemoryConfig = (
  options: Config.Config.Wrap<MemoryOptions>
): Layer.Layer<EnrichmentCache, ConfigError.ConfigError> =>
  Layer.scoped(EnrichmentCache, Effect.flatMap(Config.unwrap(options), makeMemory))

/**
 * No cache: every lookup runs its computation, nothing is stored and concurrent lookups are not coalesced (asking
 * for no cache means asking for fresh answers). Every lookup counts as a miss.
 */
export const layerNone: Layer.Layer<EnrichmentCache> = Layer.sync(EnrichmentCache, () => {
  let misses = 0
  return EnrichmentCache.of({
    getOrCompute: (_key, compute) =>
      Effect.suspend(() => {
        misses++
        return Effect.map(compute, (value) => ({ value, hit: false }))
      }),
    invalidate: () => Effect.void,
    size: Effect.succeed(0),
    stats: Effect.sync(() => ({ hits: 0, misses, coalesced: 0, evictions: 0 }))
  })
})

/** Options of the Redis cache: key prefix, single-flight lock and waits, and the in-process fallback. */
export interface RedisOptions extends internalRedis.RedisOptions {}

/** The default key prefix of the Redis cache (namespace and format version): `enrich:v1:`. */
export const redisPrefix: string = internalRedis.defaultPrefix

/**
 * The cache shared by every process on one Redis (requires a `Redis.Redis` connection, e.g. `Redis.layerConfig({ url:
 * Redis.urlConfig })`). Entries are the {@link Entry} JSON under `prefix` (default `enrich:v1:`) with Redis's own TTL
 * (`SET ... PX`); an entry that does not decode (corrupt, or written by an incompatible version) is a miss and is
 * overwritten. Concurrent lookups of one key across processes run the computation once: one takes a short lock
 * (`SET NX PX`, renewed while it computes), the others wait for its entry, and take over if its owner dies.
 *
 * Never fails because Redis does: while Redis is unavailable, lookups use an in-process memory cache (one warning per
 * outage, logged by the connection), and a Redis failure in the middle of a lookup finishes it in process.
 */
export const layerRedis = (options: RedisOptions = {}): Layer.Layer<EnrichmentCache, never, Redis.Redis> =>
  Layer.scoped(EnrichmentCache, internalRedis.makeRedis(options))

/** The Redis cache with its options read from `Config` (e.g. `{ prefix: Config.string("CACHE_PREFIX") }`). */
export const layerRedisConfig = (
  options: Config.Config.Wrap<RedisOptions>
): Layer.Layer<EnrichmentCache, ConfigError.ConfigError, Redis.Redis> =>
  Layer.scoped(EnrichmentCache, Effect.flatMap(Config.unwrap(options), internalRedis.makeRedis))
