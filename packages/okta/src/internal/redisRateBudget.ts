/**
 * Okta's rate budget shared by every process on one Redis: per bucket (method + endpoint template) the limit,
 * remaining and reset learned from `X-Rate-Limit-*` headers, and the org-wide in-flight cap, updated atomically by Lua
 * scripts so N processes together stay under each bucket and under the cap, pacing rather than bursting.
 *
 * Why not `@effect/experimental`'s RateLimiter (and its Redis store)? It enforces limits we configure (a fixed
 * window or token bucket of `limit` per `window`) by counting our own requests. Okta's budget is told, not
 * configured: each response says what remains and when the window resets, other clients of the org spend the same
 * budget, and windows differ per endpoint. It has no way to take a server-reported remaining/reset, to keep the most
 * pessimistic of concurrent reports, or to hold in-flight slots that expire with a dead holder. So: our own scripts,
 * mirroring `RateLimiter.ts` in process.
 *
 * Times (`now`, `resetAt`) are epoch milliseconds on the caller's Effect `Clock`; processes on one host share it, and
 * across hosts NTP keeps the skew far below Okta's one-minute windows.
 *
 * @internal
 */
import * as Redis from "@enrich/core/Redis"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { randomUUID } from "node:crypto"
import * as RateLimiter from "../RateLimiter.js"
import * as RateLimitHeaders from "./rateLimitHeaders.js"

/**
 * KEYS[1] bucket hash, KEYS[2] bucket in-flight zset, KEYS[3] global in-flight zset.
 * ARGV[1] now, ARGV[2] slot id, ARGV[3] slot TTL ms, ARGV[4] in-flight cap, ARGV[5] pace-below fraction,
 * ARGV[6] retry delay ms when the cap is full.
 * Returns {1, 0}: the slot is taken (counted in the bucket and the cap until released or expired), or {0, until}:
 * ask again at `until` (the bucket's reset when it is spent, the next paced slot when it is low, a short delay when
 * the in-flight cap is full).
 *
 * Semantics of `RateLimiter.reserve`: an unknown bucket goes; a bucket past its reset is refilled (`remaining =
 * limit`, next reset assumed a minute later until headers say otherwise; `assumedAfter` keeps the old reset); `available = remaining - in flight`; at or
 * below `max(1, ceil(limit * paceBelow))` available, requests are spaced `(resetAt - lastGo) / available` apart, the
 * last well before the reset. Slots of holders that died are dropped once their expiry passes.
 */
export const acquireScript = Redis.script(
  "enrich.okta.rate.acquire",
  `local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", now)
redis.call("ZREMRANGEBYSCORE", KEYS[3], "-inf", now)
if redis.call("ZCARD", KEYS[3]) >= tonumber(ARGV[4]) then return {0, now + tonumber(ARGV[6])} end
local b = redis.call("HMGET", KEYS[1], "limit", "remaining", "resetAt", "lastGo")
if b[1] then
  local limit = tonumber(b[1])
  local remaining = tonumber(b[2])
  local resetAt = tonumber(b[3])
  local lastGo = tonumber(b[4] or "0")
  if now >= resetAt then
    redis.call("HSET", KEYS[1], "remaining", limit, "resetAt", now + 60000, "lastGo", 0, "assumedAfter", resetAt)
    remaining = limit
    resetAt = now + 60000
    lastGo = 0
  end
  local available = remaining - redis.call("ZCARD", KEYS[2])
  if available <= 0 then return {0, resetAt} end
  local threshold = math.max(1, math.ceil(limit * tonumber(ARGV[5])))
  if available <= threshold and lastGo > 0 then
    local nextGo = math.ceil(lastGo + math.max(0, resetAt - lastGo) / available)
    if now < nextGo then return {0, nextGo} end
  end
  redis.call("HSET", KEYS[1], "lastGo", now)
end
redis.call("ZADD", KEYS[2], now + ttl, ARGV[2])
redis.call("ZADD", KEYS[3], now + ttl, ARGV[2])
redis.call("PEXPIRE", KEYS[2], ttl * 2)
redis.call("PEXPIRE", KEYS[3], ttl * 2)
return {1, 0}`
)

/**
 * KEYS as {@link acquireScript}. ARGV[1] slot id to release ("" for none), ARGV[2] "1" when headers were read,
 * ARGV[3] limit, ARGV[4] remaining, ARGV[5] resetAt, ARGV[6] now, ARGV[7] same-window tolerance ms.
 * Learns a response's headers, then releases its slot, in one step (so nobody acquires on the stale remaining in
 * between). Responses of one window arrive out of order across processes: within a window (resets within the
 * tolerance) the lowest remaining wins; a later window replaces the state; a report of an older window is ignored.
 * After a refill (whose reset is assumed), the first report of a window newer than the refilled one replaces it.
 * A concurrency-limit answer (`limit` 0) says nothing about the bucket and is not stored.
 */
export const observeScript = Redis.script(
  "enrich.okta.rate.observe",
  `if ARGV[2] == "1" and tonumber(ARGV[3]) > 0 then
  local limit = tonumber(ARGV[3])
  local remaining = tonumber(ARGV[4])
  local resetAt = tonumber(ARGV[5])
  local now = tonumber(ARGV[6])
  local window = tonumber(ARGV[7])
  local b = redis.call("HMGET", KEYS[1], "remaining", "resetAt", "assumedAfter")
  local apply = true
  if b[3] then
    -- After a refill the reset is our guess: the first answer of the new window replaces it; a late one of the old
    -- window (its reset near the old one) does not.
    if resetAt < tonumber(b[3]) + window then apply = false end
  elseif b[1] then
    local knownReset = tonumber(b[2])
    if math.abs(resetAt - knownReset) < window then
      remaining = math.min(tonumber(b[1]), remaining)
      resetAt = knownReset
    elseif resetAt < knownReset then
      apply = false
    end
  end
  if apply then
    redis.call("HSET", KEYS[1], "limit", limit, "remaining", remaining, "resetAt", resetAt)
    redis.call("HDEL", KEYS[1], "assumedAfter")
    redis.call("PEXPIRE", KEYS[1], math.max(0, resetAt - now) + 3600000)
  end
end
if ARGV[1] ~= "" then
  redis.call("ZREM", KEYS[2], ARGV[1])
  redis.call("ZREM", KEYS[3], ARGV[1])
end
return 1`
)

/** How the shared budget behaves. */
export interface Options {
  /** Prepended to every key (default `enrich:v1:okta:`). Processes sharing a budget (one Okta org) share it. */
  readonly prefix?: string | undefined
  /** Requests in flight at once across all processes (default 8): Okta's concurrency limit is per org. */
  readonly maxConcurrency?: number | undefined
  /** The fraction of a bucket's limit below which requests are paced (default 0.2), as in `RateLimiter`. */
  readonly paceBelow?: number | undefined
  /**
   * How long a slot is held at most (default 2 minutes, above any request timeout): a process that dies with
   * requests in flight gives its slots back after it.
   */
  readonly slotTtl?: Duration.DurationInput | undefined
  /** When the in-flight cap is full, the delay before asking again (default 25 ms). */
  readonly busyRetry?: Duration.DurationInput | undefined
}

/** What {@link RateBudget.acquire} decided. */
export type Acquired =
  | { readonly _tag: "Acquired"; readonly slot: string }
  | { readonly _tag: "Wait"; readonly until: number }

/** What the store knows of a bucket. */
export interface BucketState {
  readonly limit: number
  readonly remaining: number
  readonly resetAt: number
  readonly inFlight: number
}

/** The shared rate budget store. Every operation fails with `RedisError` only; callers fall back on it. */
export interface RateBudget {
  /** Takes a slot of `bucket` and of the in-flight cap at `now`, or says when to ask again. */
  readonly acquire: (bucket: string, now: number) => Effect.Effect<Acquired, Redis.RedisError>
  /** Gives a slot back without learning anything (the request was not answered). */
  readonly release: (bucket: string, slot: string) => Effect.Effect<void, Redis.RedisError>
  /** Learns what a response said about `bucket` (and releases `slot`, if given). A 429 means nothing remains. */
  readonly observe: (
    bucket: string,
    observed: RateLimiter.RateLimitHeaders,
    now: number,
    slot?: string
  ) => Effect.Effect<void, Redis.RedisError>
  /** What the store knows of `bucket` now, undefined before its first headers. */
  readonly state: (bucket: string, now: number) => Effect.Effect<BucketState | undefined, Redis.RedisError>
}

const sameWindowMillis = 1500

/** Builds the store on the shared Redis connection. */
export const make = (options: Options = {}): Effect.Effect<RateBudget, never, Redis.Redis> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const prefix = options.prefix ?? "enrich:v1:okta:"
    const cap = Math.max(1, Math.floor(options.maxConcurrency ?? 8))
    const paceBelow = Math.min(1, Math.max(0, options.paceBelow ?? 0.2))
    const slotTtl = Math.max(1, Math.round(Duration.toMillis(options.slotTtl ?? Duration.minutes(2))))
    const busyRetry = Math.max(1, Math.round(Duration.toMillis(options.busyRetry ?? Duration.millis(25))))
    const keys = (bucket: string) => [
      `${prefix}bucket:${bucket}`,
      `${prefix}inflight:${bucket}`,
      `${prefix}inflight`
    ]

    const acquire: RateBudget["acquire"] = (bucket, now) =>
      Effect.gen(function*() {
        const slot = randomUUID()
        const reply = yield* redis.eval(acquireScript, keys(bucket), [now, slot, slotTtl, cap, paceBelow, busyRetry])
        if (Array.isArray(reply) && reply[0] === 1) return { _tag: "Acquired", slot } as const
        const until = Array.isArray(reply) ? Number(reply[1]) : now + busyRetry
        return { _tag: "Wait", until: Number.isFinite(until) ? until : now + busyRetry } as const
      })

    const observe: RateBudget["observe"] = (bucket, observed, now, slot) =>
      Effect.asVoid(
        redis.eval(observeScript, keys(bucket), [
          slot ?? "",
          "1",
          observed.limit,
          observed.remaining,
          Math.round(observed.resetAt),
          now,
          sameWindowMillis
        ])
      )

    const release: RateBudget["release"] = (bucket, slot) =>
      Effect.asVoid(redis.eval(observeScript, keys(bucket), [slot, "0", 0, 0, 0, 0, sameWindowMillis]))

    const state: RateBudget["state"] = (bucket, now) =>
      redis.command("HMGET", async (client) => {
        const [hash, inflight] = keys(bucket)
        const [fields, inFlight] = await Promise.all([
          client.hmget(hash, "limit", "remaining", "resetAt"),
          client.zcount(inflight, `(${now}`, "+inf")
        ])
        if (fields[0] === null) return undefined
        return {
          limit: Number(fields[0]),
          remaining: Number(fields[1]),
          resetAt: Number(fields[2]),
          inFlight
        }
      })

    return { acquire, release, observe, state }
  })

/**
 * A `RateLimiter` whose budget is the shared one: the same interface as `RateLimiter.make`, so it plugs in as an
 * alternative implementation of the RateLimiter service. While Redis is unavailable (or fails mid-request) requests go
 * through the in-process limiter instead; 429 retry delays, waits and counters are the in-process limiter's.
 */
export const makeLimiter = (
  options: RateLimiter.Options & Options = {}
): Effect.Effect<RateLimiter.Service, never, Redis.Redis> =>
  Effect.gen(function*() {
    const redis = yield* Redis.Redis
    const budget = yield* make(options)
    const local = yield* RateLimiter.make(options)
    // Resets are converted as the in-process limiter does: with the lower bound of Okta's clock offset that this
    // process learned from the `Date` headers and round trips (no fixed margin unless one is given).
    const readHeaders = RateLimitHeaders.reader(
      options.resetMargin === undefined ? undefined : Duration.toMillis(options.resetMargin)
    )
    const shared = { requests: 0, rateLimited: 0, concurrencyLimited: 0 }

    const run = <A extends RateLimiter.Answer, E, R>(
      bucket: string,
      send: Effect.Effect<A, E, R>,
      deadline?: number
    ): Effect.Effect<A, E | RateLimiter.WaitBeyondDeadline, R> =>
      Effect.gen(function*() {
        if (!(yield* redis.available)) return yield* local.run(bucket, send, deadline)
        while (true) {
          const now = yield* Clock.currentTimeMillis
          const decision = yield* Effect.either(budget.acquire(bucket, now))
          if (Either.isLeft(decision)) return yield* local.run(bucket, send, deadline)
          if (decision.right._tag === "Wait") {
            const until = decision.right.until
            if (deadline !== undefined && until > deadline) {
              return yield* new RateLimiter.WaitBeyondDeadline({
                bucket,
                resetAt: DateTime.unsafeMake(until),
                waitMillis: until - now
              })
            }
            yield* local.wait(Duration.millis(Math.max(1, until - now)), bucket)
            continue
          }
          const slot = decision.right.slot
          return yield* Effect.uninterruptibleMask((restore) =>
            Effect.gen(function*() {
              shared.requests++
              const sent = yield* Clock.currentTimeMillis
              const exit = yield* Effect.exit(restore(send))
              const answered = yield* Clock.currentTimeMillis
              const response = Exit.isSuccess(exit) ? exit.value : undefined
              const info = response === undefined ? undefined : readHeaders(response.headers, sent, answered)
              if (response?.status === 429) {
                if (info?.limit === 0) shared.concurrencyLimited++
                else shared.rateLimited++
              }
              const learned = info === undefined
                ? budget.release(bucket, slot)
                : budget.observe(
                  bucket,
                  response?.status === 429 ? { ...info, remaining: 0 } : info,
                  answered,
                  slot
                )
              // A slot we cannot give back expires with its TTL; the answer stands either way.
              yield* Effect.ignore(learned)
              return yield* exit
            })
          )
        }
      })

    return {
      run,
      retryDelayAfter429: local.retryDelayAfter429,
      wait: local.wait,
      recordRetry: local.recordRetry,
      stats: Effect.map(local.stats, (stats) => ({
        ...stats,
        requests: stats.requests + shared.requests,
        rateLimited: stats.rateLimited + shared.rateLimited,
        concurrencyLimited: stats.concurrencyLimited + shared.concurrencyLimited
      }))
    }
  })
