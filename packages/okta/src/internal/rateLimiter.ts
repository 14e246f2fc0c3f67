/**
 * The in-memory rate limiter: per-bucket pacing, the adaptive in-flight cap and the counters (see `RateLimiter.ts`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Random from "effect/Random"
import * as OktaMetrics from "../OktaMetrics.js"
import type { Answer, Options, Service, Stats } from "../RateLimiter.js"
import { concurrencyRecovery, longWaitMillis, WaitBeyondDeadline } from "../RateLimiter.js"
import * as Backoff from "./backoff.js"
import * as RateLimitHeaders from "./rateLimitHeaders.js"

/** A request waiting for its bucket's budget; `at` is set when it is served: the time it may be sent. */
interface Waiter {
  at: number | undefined
  /** Until when it sleeps (it needs waking when served before). */
  sleepsUntil: number
}

interface MutableBucket {
  limit: number
  remaining: number
  resetAt: number
  inFlight: number
  /** When the last request of a paced (low) bucket went; 0: none since the window began, no pace yet. */
  lastGo: number
  known: boolean
  /** `resetAt` is our guess (a minute after a refill) until an answer of the new window tells it. */
  assumed: boolean
  /** Requests waiting for the budget, in arrival order: served first come, first served, before any newcomer. */
  readonly waiters: Array<Waiter>
  /** Completed (and dropped) when something the waiters wait for happened: some were served, or the reset is known. */
  signal: Deferred.Deferred<void> | undefined
  /** When the window last refilled, and how many waiters it has served since (to spread them over the jitter). */
  refilledAt: number
  refillServed: number
  /** No newcomer is sent before this: the last waiter served by a refill (the spread keeps arrival order). */
  releaseAt: number
  /**
   * When the current window opened, on our clock: between the sending and the answer of the request Okta counted
   * first in it (the answer saying `limit - 1` remaining); `NaN` while that answer has not been seen.
   */
  openedFrom: number
  openedBy: number
  /** What the answers tell of the bucket's window length (see {@link WindowLength}). */
  readonly length: WindowLength
}

/**
 * The length of a bucket's windows, learned from the answers: it lies in `(low, high]`.
 *
 * Okta opens a window with the first request after the last one ended and tells its end only as a reset in whole
 * seconds (rounded up: up to a second late). A window opened at `a` (between the opener's sending and its answer) and
 * of length `W` ends at `a + W`, so: a request of the window sent at `t` says `W > t - openedBy`; the first answer of a
 * later window, received at `r`, says `W <= r - openedFrom`; the reset `R` says `R - 1 s - openedBy < W <= R -
 * openedFrom` (when Okta's clock is known well enough to convert it). With Okta's windows lasting whole seconds, the
 * first window usually tells `W` (see {@link lengthOf}), and the next windows' ends are known within the opener's
 * round trip instead of the reset's second. Bounds that contradict each other (the bucket does not behave so) start
 * afresh.
 */
interface WindowLength {
  low: number
  high: number
}

/** Bounds of a window length narrower than this are used as they are, even when no whole second lies within. */
const narrowMillis = 100

/**
 * The window length to plan with, as `[low, high]`. Okta's windows last whole seconds (a minute), so once the answers
 * tell it within two seconds, the shortest whole second they allow is the length; else the bounds when they are narrow;
 * else `undefined` (not known well enough: only the reset is trusted). A guess too short never sends a request the
 * headers do not allow (see `nextGo`): the held request counts in the window, which then waits for its reset, and its
 * answer rules the guess out.
 */
const lengthOf = ({ high, low }: WindowLength): { readonly low: number; readonly high: number } | undefined => {
  if (high - low > 2000) return undefined
  const whole = (Math.floor(low / 1000) + 1) * 1000
  if (whole <= high) return { low: whole, high: whole }
  return high - low <= narrowMillis ? { low, high } : undefined
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
      calm: 0
    }

    const entry = (s: State, name: string): MutableBucket => {
      let b = s.buckets.get(name)
      if (b === undefined) {
        b = {
          limit: 0,
          remaining: 0,
          resetAt: 0,
          inFlight: 0,
          lastGo: 0,
          known: false,
          assumed: false,
          waiters: [],
          signal: undefined,
          refilledAt: 0,
          refillServed: 0,
          releaseAt: 0,
          openedFrom: Number.NaN,
          openedBy: Number.NaN,
          length: { low: 0, high: Infinity }
        }
        s.buckets.set(name, b)
      }
      return b
    }

    const randomJitter = jitter > 0 ? Random.nextIntBetween(0, jitter + 1) : Effect.succeed(0)

    /** The window has ended: Okta refills the bucket. The next answer tells the new window's end. */
    const refill = (b: MutableBucket, now: number): void => {
      if (!b.known || now < b.resetAt) return
      b.remaining = b.limit
      b.resetAt = now + 60_000
      b.assumed = true
      b.lastGo = 0
      b.refilledAt = now
      b.refillServed = 0
      b.openedFrom = Number.NaN
      b.openedBy = Number.NaN
    }

    /**
     * When the current window of `b` ends at the earliest and at the latest (our clock), when its opening and the
     * window length are known well enough (`undefined` otherwise: the reset is all we know); and whether holding the
     * window's last request until its latest end is worth it: the time it saves (the reset is later) is more than
     * what a slot is worth (the window over its limit).
     */
    const windowEnd = (
      b: MutableBucket
    ): { readonly earliest: number; readonly latest: number; readonly hold: boolean } | undefined => {
      if (Number.isNaN(b.openedFrom)) return undefined
      const length = lengthOf(b.length)
      if (length === undefined) return undefined
      const latest = Math.min(b.resetAt, b.openedBy + length.high)
      return {
        earliest: b.openedFrom + length.low,
        latest,
        hold: b.resetAt - latest > length.high / Math.max(1, b.limit)
      }
    }

    /**
     * When the next request of `b` may go (`now` or earlier: at once). A spent bucket waits for its reset. A low one
     * (at most `paceBelow` of its limit available) spreads what is left evenly over the time to the window's end: its
     * first request goes at once, each next one `1 / (available + 1)` of the time left after the last, so the last
     * goes well before the end. Computed afresh from what is known now (no slot is reserved ahead), so an answer that
     * shows more available brings the next go forward.
     *
     * The end is the reset, unless the window's end is known better (see {@link windowEnd}): then all but the last
     * request are spread to its earliest end, so they count in this window, and the last is held until its latest end,
     * so it opens the next window as this one ends instead of at the reset, up to a second later (Okta's resets are
     * whole seconds), when that gains more time than the slot is worth. That last one is still within the budget the
     * headers tell: if the end was misjudged it counts in this window, and the next request waits for the reset.
     * Nothing is ever sent into a spent window.
     */
    const nextGo = (b: MutableBucket, now: number): number => {
      if (!b.known) return now
      const available = b.remaining - b.inFlight
      // The last headers say the next request would be refused: wait for the reset.
      if (available <= 0) return b.resetAt
      const end = windowEnd(b)
      if (end?.hold === true && available === 1) return end.latest
      if (!low(b, available) || b.lastGo === 0) return now
      if (end === undefined) return b.lastGo + Math.max(0, b.resetAt - b.lastGo) / (available + 1)
      // The window's requests (all but the one held) go before its earliest end, so they count in it.
      return b.lastGo + Math.max(0, end.earliest - b.lastGo) / (end.hold ? available : available + 1)
    }

    const low = (b: MutableBucket, available: number): boolean =>
      available <= Math.max(1, Math.ceil(b.limit * paceBelow))

    /** Takes a slot of `b` if it may go now. */
    const take = (b: MutableBucket, now: number): boolean => {
      if (nextGo(b, now) > now) return false
      if (b.known && low(b, b.remaining - b.inFlight)) b.lastGo = now
      b.inFlight++
      return true
    }

    /**
     * A newcomer's slot: the delay before sending (0 at once), or `undefined` when it must queue (the bucket is spent
     * or paced, or others wait already: nobody overtakes a waiter).
     */
    const reserve = (name: string, now: number): number | undefined => {
      const b = entry(state, name)
      refill(b, now)
      if (b.waiters.length > 0 || !take(b, now)) return undefined
      return Math.max(0, b.releaseAt - now)
    }

    /**
     * Serves the waiters of `b` in arrival order while its budget allows. Those a refill releases are spread over
     * `jitter` (the k-th of a window `k / limit` of it after the reset), so they do not all start at once, and in
     * order. Returns how many of those served sleep past `now` (they need waking).
     */
    const serve = (b: MutableBucket, now: number): number => {
      refill(b, now)
      let asleep = 0
      while (b.waiters.length > 0 && take(b, now)) {
        const waiter = b.waiters.shift()!
        waiter.at = Math.max(now, b.refilledAt + Math.floor(jitter * b.refillServed++ / Math.max(1, b.limit)))
        b.releaseAt = Math.max(b.releaseAt, waiter.at)
        if (waiter.sleepsUntil > now) asleep++
      }
      return asleep
    }

    /** Whether a waiter of `b` sleeps past the time the next request may go. */
    const oversleeping = (b: MutableBucket, now: number): boolean => {
      const next = Math.max(now, nextGo(b, now))
      return b.waiters.some((waiter) => waiter.sleepsUntil > next)
    }

    /** Wakes the waiters of `b` (each checks whether it was served, or sleeps again): some were served, or what they
     * wait for is better known. */
    const notify = (b: MutableBucket): void => {
      if (b.signal === undefined) return
      Deferred.unsafeDone(b.signal, Exit.void)
      b.signal = undefined
    }

    /** Counts a wait of `millis` (the counters and the wait metric). */
    const count = (millis: number, name?: string): void => {
      state.waits++
      state.waitedMillis += millis
      OktaMetrics.waits.unsafeUpdate(millis / 1000, [OktaMetrics.label("enrich.okta.bucket", name ?? "retry")])
    }

    const warnIfLong = (millis: number, name?: string): Effect.Effect<void> =>
      millis > longWaitMillis
        ? Effect.logWarning("Okta rate limit: holding requests back").pipe(
          Effect.annotateLogs({ bucket: name ?? "retry", waitSeconds: Math.ceil(millis / 1000) })
        )
        : Effect.void

    const wait = (duration: Duration.Duration, name?: string): Effect.Effect<void> => {
      const millis = Duration.toMillis(duration)
      if (millis <= 0) return Effect.void
      return Effect.zipRight(
        Effect.zipRight(Effect.sync(() => count(millis, name)), warnIfLong(millis, name)),
        Effect.sleep(duration)
      )
    }

    const beyond = (name: string, delay: number, now: number) =>
      new WaitBeyondDeadline({
        bucket: name,
        resetAt: DateTime.unsafeMake(Math.max(now, entry(state, name).resetAt)),
        waitMillis: delay
      })

    /** Waits `delay` for a reserved slot, within `deadline` (else gives the slot back). */
    const goAfter = (
      name: string,
      delay: number,
      now: number,
      deadline: number
    ): Effect.Effect<void, WaitBeyondDeadline> =>
      Effect.suspend(() => {
        if (now + delay > deadline) {
          giveBack(name, now)
          return Effect.fail(beyond(name, delay, now))
        }
        // The slot is reserved: give it back if we are interrupted before using it.
        return wait(Duration.millis(delay), name).pipe(Effect.onInterrupt(() => Effect.sync(() => giveBack(name, now))))
      })

    /**
     * Waits in the queue of bucket `name` until served, within `deadline`: until the reset (or, while the reset is our
     * guess and requests are in flight, until an answer tells it), woken early whenever waiters were served.
     */
    const queue = (name: string, firstNow: number, deadline: number): Effect.Effect<void, WaitBeyondDeadline> => {
      const b = entry(state, name)
      const waiter: Waiter = { at: undefined, sleepsUntil: firstNow }
      b.waiters.push(waiter)
      // Once `goAfter` has the slot, it gives it back itself if it must.
      let handedOver = false
      const leave = (now: number) => {
        const i = b.waiters.indexOf(waiter)
        if (i >= 0) b.waiters.splice(i, 1)
        else if (waiter.at !== undefined && !handedOver) giveBack(name, now)
      }
      const loop = Effect.gen(function*() {
        let now = firstNow
        while (true) {
          if (serve(b, now) > 0) notify(b)
          if (waiter.at !== undefined) {
            handedOver = true
            return yield* goAfter(name, waiter.at - now, now, deadline)
          }
          // Still queued: the bucket is spent until its reset, or paced. While the reset is our guess and requests are
          // in flight, their answers will tell it: wait for them, within the deadline.
          const until = nextGo(b, now)
          const guessed = until === b.resetAt && b.assumed && b.inFlight > 0
          if (until > deadline && !(guessed && now < deadline)) {
            leave(now)
            return yield* beyond(name, until - now, now)
          }
          const signal = b.signal ??= Deferred.unsafeMake<void>(FiberId.none)
          const wakeAt = Math.min(until, deadline)
          const millis = wakeAt - now
          yield* warnIfLong(millis, name)
          waiter.sleepsUntil = wakeAt
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(millis)), Deferred.await(signal))
          const woke = yield* Clock.currentTimeMillis
          waiter.sleepsUntil = woke
          if (woke > now) count(woke - now, name)
          now = woke
        }
      })
      return Effect.onInterrupt(
        loop,
        () => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => leave(now)))
      )
    }

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
    const readHeaders = RateLimitHeaders.reader(fixedMargin)

    const learnSync = (
      name: string,
      response: Answer | undefined,
      now: number,
      sent: number
    ): number | undefined => {
      const b = entry(state, name)
      const cap = observe(b, response, now, sent)
      // A slot was freed, more is available, or the new window's end is known: the waiters learn it now (those whose
      // wake-up comes now anyway need no signal).
      if (b.waiters.length > 0 && (serve(b, now) > 0 || oversleeping(b, now))) notify(b)
      return cap
    }

    const observe = (b: MutableBucket, response: Answer | undefined, now: number, sent: number): number | undefined => {
      const s = state
      b.inFlight = Math.max(0, b.inFlight - 1)
      if (response === undefined) return undefined
      const info = readHeaders(response.headers, sent, now)
      const concurrency429 = response.status === 429 && info?.limit === 0
      if (response.status === 429) {
        if (info?.limit === 0) s.concurrencyLimited++
        else s.rateLimited++
      }
      const cap = adaptCap(s, concurrency429)
      if (info === undefined || info.limit === 0) return cap // the concurrency limit says nothing of the bucket
      const sameWindow = b.known && Math.abs(info.resetAt - b.resetAt) < 1500
      learnLength(b, info, sameWindow, now, sent)
      // Responses of one window can arrive out of order: the lowest remaining is the latest truth.
      const remaining = response.status === 429 ? 0 : info.remaining
      b.remaining = sameWindow ? Math.min(b.remaining, remaining) : remaining
      b.limit = info.limit
      b.resetAt = info.resetAt
      b.known = true
      b.assumed = false
      if (!sameWindow) {
        b.lastGo = 0
        b.openedFrom = Number.NaN
        b.openedBy = Number.NaN
      }
      // The first request Okta counted in its window: the window opened while it was under way.
      if (response.status !== 429 && info.remaining === info.limit - 1) {
        b.openedFrom = sent
        b.openedBy = now
      }
      return cap
    }

    /** Narrows the window length of `b` (see {@link WindowLength}) with an answer sent at `sent`, received at `now`. */
    const learnLength = (
      b: MutableBucket,
      info: RateLimitHeaders.ReadHeaders,
      sameWindow: boolean,
      now: number,
      sent: number
    ): void => {
      const length = b.length
      const opened = !Number.isNaN(b.openedFrom)
      if (sameWindow) {
        // Counted in the window: the window had not ended when the request arrived, after it was sent.
        if (opened) length.low = Math.max(length.low, sent - b.openedBy)
      } else if (b.known && info.resetAt > b.resetAt && opened) {
        // Counted in a later window: the window had ended when the request arrived, before its answer.
        length.high = Math.min(length.high, now - b.openedFrom)
      }
      if (info.remaining === info.limit - 1 && info.resetAfter !== undefined) {
        // An opener: its window ends by its reset (ours converts it late), and at most a second before it (Okta
        // rounds it up to the second).
        length.high = Math.min(length.high, info.resetAt - sent)
        length.low = Math.max(length.low, info.resetAfter - 1000 - now)
      }
      if (length.low >= length.high) {
        length.low = 0
        length.high = Infinity
      }
    }

    /** Gives back a slot reserved and not used. */
    const giveBack = (name: string, now: number): void => {
      learnSync(name, undefined, now, now)
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
          const delay = reserve(name, now)
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
          if (delay === 0) return answered
          const waited = delay === undefined ? queue(name, now, deadline) : goAfter(name, delay, now, deadline)
          return Effect.zipRight(restore(waited), answered)
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
