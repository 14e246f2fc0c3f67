/**
 * The rate limiter of the Okta client: it learns Okta's `X-Rate-Limit-*` headers per bucket, paces requests before a
 * bucket runs out instead of after a 429, caps the requests in flight (Okta's concurrency limit is org-wide) and
 * counts what happened so callers (the CLI's verbose mode, the benchmarks) can show it.
 *
 * A bucket is a method plus an endpoint template (`GET /api/v1/users/{id}`), never a concrete URL: Okta counts every
 * user lookup against the same budget.
 *
 * Requests that must wait for a bucket (spent until its reset, or paced) queue per bucket and are served first come,
 * first served: a newcomer never takes a refilled slot from a request that was waiting, so none starves behind a
 * tight bucket. The waiters a reset releases are spread over {@link Options.jitter}, in arrival order.
 *
 * Reset times are epoch seconds on Okta's clock. They are converted to our clock with the response's `Date` header
 * (`wait = reset * 1000 - Date + margin`), so a skewed local clock neither stalls nor rushes us. Every wait is bounded:
 * a reset more than Okta's 60-second window (plus 5 seconds of skew) ahead is clamped to it, an unusable header is
 * treated as absent, a wait that would pass the caller's deadline fails at once with {@link WaitBeyondDeadline}, and a
 * wait longer than {@link longWaitMillis} is logged as a warning.
 *
 * It is a service ({@link RateLimiter}, {@link make}, {@link layer}) so that several clients of one org can share one
 * (its in-flight cap is org-wide), and so that another implementation (one shared through Redis) can replace it.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import type * as Redis from "@enrich/core/Redis"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as internal from "./internal/rateLimiter.js"
import * as internalHeaders from "./internal/rateLimitHeaders.js"
import * as internalRedis from "./internal/redisRateBudget.js"

/** How the rate limiter behaves. Every field has a default. */
export interface Options {
  /** Requests in flight at once, across all buckets (default 8). Okta's concurrency limit is shared by the org. */
  readonly maxConcurrency?: number | undefined
  /**
   * When a bucket's remaining budget falls to this fraction of its limit, the rest is spread evenly over the time
   * left to the reset instead of being sent at once (default 0.2).
   */
  readonly paceBelow?: number | undefined
  /**
   * Added to every computed reset. By default none when the answer has a `Date` header (the reset is converted with
   * the lower bound of Okta's clock learned from the `Date`s and round trips, which already errs late), Okta's advised
   * 1 second when it has none.
   */
  readonly resetMargin?: Duration.DurationInput | undefined
  /**
   * The span over which the waiters a reset releases are spread, in arrival order (the k-th of a window `k / limit`
   * of it after the reset), so they do not stampede; and the upper bound of the random delay added to a retry after a
   * 429 (default 1 second).
   */
  readonly jitter?: Duration.DurationInput | undefined
  /** First backoff after a concurrency 429 (`X-Rate-Limit-Limit: 0`), doubled per retry (default 250 ms). */
  readonly concurrencyBackoff?: Duration.DurationInput | undefined
  /** Cap of the concurrency backoff (default 4 seconds). */
  readonly concurrencyBackoffCap?: Duration.DurationInput | undefined
}

/** What one response said about its bucket: `limit` (0 marks the concurrency limit), `remaining`, `resetAt`. */
export type RateLimitHeaders = internalHeaders.RateLimitHeaders

/** What the limiter knows about one bucket. */
export interface BucketState {
  /** Method + endpoint template, e.g. `GET /api/v1/users/{id}`. */
  readonly bucket: string
  readonly limit: number
  /** What Okta last reported as remaining in the current window. */
  readonly remaining: number
  /** When the window resets, epoch milliseconds on our clock. */
  readonly resetAt: number
  /** Requests sent on this bucket and not yet answered. */
  readonly inFlight: number
}

/** Counters since the client was built, and the state of every bucket seen. */
export interface Stats {
  /** Requests sent (retries included). */
  readonly requests: number
  /** 429 responses of a bucket limit. */
  readonly rateLimited: number
  /** 429 responses of the org-wide concurrency limit (`X-Rate-Limit-Limit: 0`). */
  readonly concurrencyLimited: number
  /** Requests sent again after a 429 or a transient failure. */
  readonly retries: number
  /** Times a request was held back (pacing, waiting for a reset, backoff). */
  readonly waits: number
  /** Total time requests were held back, in milliseconds. */
  readonly waitedMillis: number
  /** Requests in flight now. */
  readonly inFlight: number
  /**
   * The in-flight cap now: `maxConcurrency`, lowered by one for each concurrency 429 (the org is busier than our cap
   * assumed) and raised back by one after every {@link concurrencyRecovery} answers without one.
   */
  readonly concurrencyCap: number
  readonly buckets: ReadonlyArray<BucketState>
}

/** What the limiter reads from a response: its status and headers (an `HttpClientResponse` is one). */
export interface Answer {
  readonly status: number
  readonly headers: Headers.Headers
}

/** Waiting for a bucket's pace or reset would end after the caller's deadline: nothing was sent. */
export class WaitBeyondDeadline extends Schema.TaggedError<WaitBeyondDeadline>()("WaitBeyondDeadline", {
  bucket: Schema.String,
  /** When the bucket's window resets (our clock). */
  resetAt: Schema.DateTimeUtc,
  /** How long the request would have had to wait. */
  waitMillis: Schema.Number
}) {
  override get message(): string {
    return `waiting ${Math.ceil(this.waitMillis / 1000)}s for ${this.bucket} (resets at ` +
      `${DateTime.formatIso(this.resetAt)}) would pass the operation's deadline`
  }
}

/** The rate limiter's operations. */
export interface Service {
  /**
   * Sends a request of `bucket`: waits for the bucket's pace, takes a slot of the in-flight cap, sends, and learns the
   * response's rate-limit headers. A wait that would end after `deadline` (epoch millis, default none) fails with
   * {@link WaitBeyondDeadline} instead, without sending.
   */
  readonly run: <A extends Answer, E, R>(
    bucket: string,
    send: Effect.Effect<A, E, R>,
    deadline?: number
  ) => Effect.Effect<A, E | WaitBeyondDeadline, R>
  /**
   * How long to wait before retrying after a 429: until the reset (Okta's clock, plus margin) plus jitter, or, for a
   * concurrency 429, a short capped exponential backoff. `retry` counts from 0.
   */
  readonly retryDelayAfter429: (response: Answer, retry: number) => Effect.Effect<Duration.Duration>
  /** Sleeps for `duration`, counted as a wait (and logged as a warning when longer than {@link longWaitMillis}). */
  readonly wait: (duration: Duration.Duration, bucket?: string) => Effect.Effect<void>
  /** Counts a retry. */
  readonly recordRetry: Effect.Effect<void>
  /** The counters and bucket states now. */
  readonly stats: Effect.Effect<Stats>
}

/**
 * The rate limiter as a service. The Okta client uses the one in its context when there is one (`OktaClient.layer`
 * builds its own; `OktaClient.layerWithoutRateLimiter` requires one), so several clients can share it.
 */
export class RateLimiter extends Context.Tag("@enrich/okta/RateLimiter")<RateLimiter, Service>() {}

/** Waits longer than this (10 seconds) are logged as a warning: something is holding the lookups back. */
export const longWaitMillis = 10_000

/** The bucket of a request: its method and endpoint template, e.g. `bucket("GET", "/api/v1/users/{id}")`. */
export const bucket = (method: string, template: string): string => `${method.toUpperCase()} ${template}`

/** Answers without a concurrency 429 after which a lowered in-flight cap is raised by one again. */
export const concurrencyRecovery = 20

/**
 * Reads `X-Rate-Limit-Limit/Remaining/Reset` from response headers, converting the reset to our clock with the
 * response's `Date` header (our clock when there is no usable `Date`) and clamping it to Okta's 60-second window plus
 * 5 seconds of skew. `undefined` when a header is absent or unusable (not a number, negative, absurdly large).
 */
export const parseHeaders: (
  headers: Headers.Headers,
  now: number,
  resetMarginMillis?: number
) => RateLimitHeaders | undefined = internalHeaders.parse

/** Builds an in-memory rate limiter. Its state lives as long as the clients that use it. */
export const make: (options?: Options) => Effect.Effect<Service> = (options) => internal.make(options)

/** A rate limiter as a layer, to share between clients: `OktaClient.layerWithoutRateLimiter(...)` requires one. */
export const layer = (options: Options = {}): Layer.Layer<RateLimiter> => Layer.effect(RateLimiter, make(options))

/** Options of the shared (Redis) rate limiter: those of {@link Options}, and where and how the budget is kept. */
export interface RedisOptions extends Options {
  /** Prepended to every key (default `enrich:v1:okta:`). Processes of one Okta org share a prefix. */
  readonly prefix?: string | undefined
  /**
   * How long a request slot is held at most (default 2 minutes, above any request timeout): a process that dies with
   * requests in flight gives its slots back after it.
   */
  readonly slotTtl?: Duration.DurationInput | undefined
  /** When the shared in-flight cap is full, the delay before asking again (default 25 ms). */
  readonly busyRetry?: Duration.DurationInput | undefined
}

/**
 * A rate limiter whose state lives in Redis (requires a `Redis.Redis` connection), shared by every process of one
 * Okta org: each bucket's limit, remaining and reset learned from any process's responses, and the in-flight cap
 * (`maxConcurrency` is then the cap of all processes together), updated atomically by Lua scripts. Together the
 * processes stay under each bucket, pacing its last `paceBelow` rather than bursting into 429s.
 *
 * Use it with `OktaClient.layerWithoutRateLimiter(...)`. While Redis is unavailable requests go through an
 * in-process limiter (one warning per outage, logged by the connection); no request fails because Redis did.
 */
export const layerRedis = (options: RedisOptions = {}): Layer.Layer<RateLimiter, never, Redis.Redis> =>
  Layer.effect(RateLimiter, internalRedis.makeLimiter(options))
