/**
 * The in-memory rate limiter: per-bucket pacing, the adaptive in-flight cap and the counters (see `RateLimiter.ts`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as OktaMetrics from "../OktaMetrics.js"
import type { Answer, Options, Service, Stats } from "../RateLimiter.js"
import { concurrencyRecovery, longWaitMillis, WaitBeyondDeadline } from "../RateLimiter.js"
import * as Backoff from "./backoff.js"
import * as RateLimitHeaders from "./rateLimitHeaders.js"

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
  /** Okta's clock against ours, learned from the `Date` headers (undefined until an answer has one). */
  serverClock: RateLimitHeaders.ServerClock | undefined
}

/** What `reserve` decided: go after `delay` (a slot is reserved), or wait `delay` and ask again. */
type Decision = { readonly _tag: "Go"; readonly delay: number } | { readonly _tag: "Again"; readonly delay: number }

/** @internal */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const maxConcurrency = Math.max(1, Math.floor(options.maxConcurrency ?? 8))
    const paceBelow = Math.min(1, Math.max(0, options.paceBelow ?? 0.2))
    // A margin given is added to every reset. By default the margin is derived: a reset is converted with the lower
    // bound of Okta's clock offset learned from the `Date` headers and round trips (see `ServerClock`), which already
    // errs late, so none is added; without a `Date` header (our clock stands in for Okta's) Okta's advised 1 second is.
    const fixedMargin = options.resetMargin === undefined ? undefined : Duration.toMillis(options.resetMargin)
    const resetMargin = fixedMargin ?? 1000
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
      calm: 0,
      serverClock: undefined
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
        OktaMetrics.waits.unsafeUpdate(millis / 1000, [OktaMetrics.label("enrich.okta.bucket", name ?? "retry")])
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
            yield* wait(Duration.millis(decision.delay), name).pipe(
              Effect.onInterrupt(() => learn(name, undefined, now))
            )
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

    /** Reads a response's rate-limit headers, its reset converted with what is known of Okta's clock. */
    const readHeaders = (response: Answer, now: number, sent: number) => {
      const date = RateLimitHeaders.dateOf(response.headers)
      if (date === undefined) return RateLimitHeaders.parse(response.headers, now, resetMargin)
      state.serverClock = RateLimitHeaders.observeServerClock(state.serverClock, date, Math.min(sent, now), now)
      return RateLimitHeaders.parse(response.headers, now, fixedMargin ?? 0, state.serverClock.low)
    }

    const learnSync = (
      name: string,
      response: Answer | undefined,
      now: number,
      sent: number
    ): number | undefined => {
      const s = state
      const b = entry(s, name)
      b.inFlight = Math.max(0, b.inFlight - 1)
      if (response === undefined) return undefined
      const info = readHeaders(response, now, sent)
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

    const learn = (
      name: string,
      response: Answer | undefined,
      now: number,
      sent = now
    ): Effect.Effect<void> =>
      Effect.suspend(() => {
        const cap = learnSync(name, response, now, sent)
        return cap === undefined ? Effect.void : semaphore.resize(cap)
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
          // When the request left (ours), to bound Okta's clock offset with the answer's `Date`.
          let sentAt = now
          const begin = Effect.sync(() => {
            state.requests++
            state.inFlight++
            sentAt = clock.unsafeCurrentTimeMillis()
          })
          const sent = Effect.exit(
            restore(semaphore.withPermits(1)(Effect.zipRight(begin, Effect.ensuring(send, end))))
          )
          const answered = Effect.flatMap(sent, (exit) =>
            Effect.zipRight(
              learn(name, exit._tag === "Success" ? exit.value : undefined, clock.unsafeCurrentTimeMillis(), sentAt),
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
        const info = RateLimitHeaders.parse(response.headers, now, resetMargin)
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
