/**
 * The rate limiter of the Okta client: it learns Okta's `X-Rate-Limit-*` headers per bucket, paces requests before a
 * bucket runs out instead of after a 429, caps the requests in flight (Okta's concurrency limit is org-wide) and
 * counts what happened so callers (the CLI's verbose mode, the benchmarks) can show it.
 *
 * A bucket is a method plus an endpoint template (`GET /api/v1/users/{id}`), never a concrete URL: Okta counts every
 * user lookup against the same budget.
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
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as Backoff from "./internal/backoff.js"
import * as internalHeaders from "./internal/rateLimitHeaders.js"

/** How the rate limiter behaves. Every field has a default. */
export interface Options {
  /** Requests in flight at once, across all buckets (default 8). Okta's concurrency limit is shared by the org. */
  readonly maxConcurrency?: number | undefined
  /**
   * When a bucket's remaining budget falls to this fraction of its limit, the rest is spread evenly over the time
   * left to the reset instead of being sent at once (default 0.2).
   */
  readonly paceBelow?: number | undefined
  /** Added to every computed reset, as Okta advises (default 1 second). */
  readonly resetMargin?: Duration.DurationInput | undefined
  /** Upper bound of the random delay added to waits for a reset, so waiters do not stampede (default 1 second). */
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

interface MutableBucket {
  limit: number
  remaining: number
  resetAt: number
  inFlight: number
  nextSlot: number
  known: boolean
}

interface State {
  readonly buckets: Map<string, MutableBucket>
  requests: number
  rateLimited: number
  concurrencyLimited: number
  retries: number
  waits: number
  waitedMillis: number
  inFlight: number
  /** The adaptive in-flight cap (see {@link Stats.concurrencyCap}) and the answers since it last changed. */
  cap: number
  calm: number
}

/** What `reserve` decided: go after `delay` (a slot is reserved), or wait `delay` and ask again. */
type Decision = { readonly _tag: "Go"; readonly delay: number } | { readonly _tag: "Again"; readonly delay: number }

/** Builds a rate limiter. Its state lives as long as the client that uses it. */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const maxConcurrency = Math.max(1, Math.floor(options.maxConcurrency ?? 8))
    const paceBelow = Math.min(1, Math.max(0, options.paceBelow ?? 0.2))
    const resetMargin = Duration.toMillis(options.resetMargin ?? Duration.seconds(1))
    const jitter = Duration.toMillis(options.jitter ?? Duration.seconds(1))
    const backoff = Duration.toMillis(options.concurrencyBackoff ?? Duration.millis(250))
    const backoffCap = Duration.toMillis(options.concurrencyBackoffCap ?? Duration.seconds(4))

    const semaphore = yield* Effect.makeSemaphore(maxConcurrency)
    // Mutable records, read and changed only inside synchronous steps (no effect runs in between), so every
    // decision is atomic without the cost of a Ref per request.
    const state: State = {
      buckets: new Map(),
      requests: 0,
      rateLimited: 0,
      concurrencyLimited: 0,
      retries: 0,
      waits: 0,
      waitedMillis: 0,
      inFlight: 0,
      cap: maxConcurrency,
      calm: 0
    }

    const entry = (s: State, name: string): MutableBucket => {
      let b = s.buckets.get(name)
      if (b === undefined) {
        b = { limit: 0, remaining: 0, resetAt: 0, inFlight: 0, nextSlot: 0, known: false }
        s.buckets.set(name, b)
      }
      return b
    }

    const randomJitter = jitter > 0 ? Random.nextIntBetween(0, jitter + 1) : Effect.succeed(0)

    const reserve = (name: string, now: number): Decision => {
      const b = entry(state, name)
      if (b.known && now >= b.resetAt) {
        // The window has reset: Okta refills the bucket. The next response tells the new window's end.
        b.remaining = b.limit
        b.resetAt = now + 60_000
        b.nextSlot = now
      }
      if (!b.known) {
        b.inFlight++
        return { _tag: "Go", delay: 0 }
      }
      const available = b.remaining - b.inFlight
      if (available <= 0) {
        // The last headers say the next request would be refused: wait for the reset.
        return { _tag: "Again", delay: b.resetAt - now }
      }
      const threshold = Math.max(1, Math.ceil(b.limit * paceBelow))
      if (available > threshold) {
        b.inFlight++
        return { _tag: "Go", delay: 0 }
      }
      // Low: spread what is left evenly over the time left, the last request well before the reset.
      const slot = Math.max(now, b.nextSlot)
      b.nextSlot = slot + Math.max(0, b.resetAt - slot) / available
      b.inFlight++
      return { _tag: "Go", delay: slot - now }
    }

    const wait = (duration: Duration.Duration, name?: string): Effect.Effect<void> => {
      const millis = Duration.toMillis(duration)
      if (millis <= 0) return Effect.void
      const count = Effect.sync(() => {
        state.waits++
        state.waitedMillis += millis
      })
      const warn = millis > longWaitMillis
        ? Effect.logWarning("Okta rate limit: holding requests back").pipe(
          Effect.annotateLogs({ bucket: name ?? "retry", waitSeconds: Math.ceil(millis / 1000) })
        )
        : Effect.void
      return Effect.zipRight(Effect.zipRight(count, warn), Effect.sleep(duration))
    }

    const beyond = (name: string, delay: number, now: number) =>
      new WaitBeyondDeadline({
        bucket: name,
        resetAt: DateTime.unsafeMake(Math.max(now, entry(state, name).resetAt)),
        waitMillis: delay
      })

    /** Waits as `first` (made at `firstNow`) says, asking again until a slot is reserved, within `deadline`. */
    const pace = (
      name: string,
      first: Decision,
      firstNow: number,
      deadline: number
    ): Effect.Effect<void, WaitBeyondDeadline> =>
      Effect.gen(function*() {
        let decision = first
        let now = firstNow
        while (true) {
          if (decision._tag === "Go") {
            if (now + decision.delay > deadline) {
              yield* learn(name, undefined, now) // give the reserved slot back
              return yield* beyond(name, decision.delay, now)
            }
            // The slot is reserved: give it back if we are interrupted before using it.
            yield* wait(Duration.millis(decision.delay), name).pipe(Effect.onInterrupt(() => learn(name, undefined, now)))
            return
          }
          const delay = decision.delay + (yield* randomJitter)
          if (now + delay > deadline) return yield* beyond(name, delay, now)
          yield* wait(Duration.millis(delay), name)
          now = yield* Clock.currentTimeMillis
          decision = reserve(name, now)
        }
      })

    /**
     * The org's concurrency limit is shared with every other client of the org, so our cap can be too high: each
     * concurrency 429 lowers it by one (down to 1), and it creeps back up after answers without one. Otherwise a
     * client whose cap exceeds what the org has left keeps bursting into 429s and exhausts its retries.
     */
    const adaptCap = (s: State, concurrency429: boolean): number | undefined => {
      if (concurrency429) {
        s.calm = 0
        if (s.cap <= 1) return undefined
        return --s.cap
      }
      if (s.cap >= maxConcurrency || ++s.calm < concurrencyRecovery) return undefined
      s.calm = 0
      return ++s.cap
    }

    const learnSync = (name: string, response: Answer | undefined, now: number): number | undefined => {
      const s = state
      const b = entry(s, name)
      b.inFlight = Math.max(0, b.inFlight - 1)
      if (response === undefined) return undefined
      const info = parseHeaders(response.headers, now, resetMargin)
      const concurrency429 = response.status === 429 && info?.limit === 0
      if (response.status === 429) {
        if (info?.limit === 0) s.concurrencyLimited++
        else s.rateLimited++
      }
      const cap = adaptCap(s, concurrency429)
      if (info === undefined || info.limit === 0) return cap // the concurrency limit says nothing of the bucket
      const sameWindow = b.known && Math.abs(info.resetAt - b.resetAt) < 1500
      // Responses of one window can arrive out of order: the lowest remaining is the latest truth.
      const remaining = response.status === 429 ? 0 : info.remaining
      b.remaining = sameWindow ? Math.min(b.remaining, remaining) : remaining
      b.limit = info.limit
      b.resetAt = info.resetAt
      b.known = true
      if (!sameWindow) b.nextSlot = now
      return cap
    }

    const learn = (name: string, response: Answer | undefined, now: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        const cap = learnSync(name, response, now)
        return cap === undefined ? Effect.void : semaphore.resize(cap)
      })

    const begin = Effect.sync(() => {
      state.requests++
      state.inFlight++
    })
    const end = Effect.sync(() => {
      state.inFlight--
    })

    const run = <A extends Answer, E, R>(
      name: string,
      send: Effect.Effect<A, E, R>,
      deadline = Infinity
    ): Effect.Effect<A, E | WaitBeyondDeadline, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.clockWith((clock) => {
          // The first reservation is made here, uninterruptibly: most requests go at once, with no pacing effect.
          const now = clock.unsafeCurrentTimeMillis()
          const decision = reserve(name, now)
          const sent = Effect.exit(
            restore(semaphore.withPermits(1)(Effect.zipRight(begin, Effect.ensuring(send, end))))
          )
          const answered = Effect.flatMap(sent, (exit) =>
            Effect.zipRight(
              learn(name, exit._tag === "Success" ? exit.value : undefined, clock.unsafeCurrentTimeMillis()),
              exit
            ))
          return decision._tag === "Go" && decision.delay <= 0
            ? answered
            : Effect.zipRight(restore(pace(name, decision, now, deadline)), answered)
        })
      )

    const retryDelayAfter429 = (response: Answer, retry: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const info = parseHeaders(response.headers, now, resetMargin)
        if (info === undefined || info.limit === 0) {
          // The concurrency limit frees up as soon as any request finishes; its reset is only an estimate.
          return yield* Backoff.jittered(backoff, backoffCap, retry)
        }
        return Duration.millis(Math.max(0, info.resetAt - now) + (yield* randomJitter))
      })

    const stats = Effect.sync((): Stats => {
      const s = state
      return {
        requests: s.requests,
        rateLimited: s.rateLimited,
        concurrencyLimited: s.concurrencyLimited,
        retries: s.retries,
        waits: s.waits,
        waitedMillis: s.waitedMillis,
        inFlight: s.inFlight,
        concurrencyCap: s.cap,
        buckets: Array.from(s.buckets.entries()).filter(([, b]) => b.known).map(([name, b]) => ({
          bucket: name,
          limit: b.limit,
          remaining: b.remaining,
          resetAt: b.resetAt,
          inFlight: b.inFlight
        }))
      }
    })

    return {
      run,
      retryDelayAfter429,
      wait,
      recordRetry: Effect.sync(() => {
        state.retries++
      }),
      stats
    } satisfies Service
  })

/** A rate limiter as a layer, to share between clients: `OktaClient.layerWithoutRateLimiter(...)` requires one. */
export const layer = (options: Options = {}): Layer.Layer<RateLimiter> => Layer.effect(RateLimiter, make(options))
