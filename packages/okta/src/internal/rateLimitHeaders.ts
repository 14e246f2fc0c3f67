/**
 * The one reader of Okta's response headers that steer waiting: `X-Rate-Limit-Limit/Remaining/Reset` and `Date`.
 * Shared by the rate limiter (pacing, 429 waits) and the client (the reset time an error names).
 *
 * A header that no Okta org could send (not a number, negative, beyond any plausible size or date) is treated as
 * absent, never as a reason to wait. Okta's windows last at most {@link maxWindowMillis}, so a reset further ahead than
 * that plus {@link skewAllowanceMillis} (a reset a year ahead, a `Date` of 1970) is clamped to it.
 *
 * @internal
 */
import type * as Headers from "@effect/platform/Headers"

/** The longest rate-limit window Okta documents: one minute. */
export const maxWindowMillis = 60_000

/** Clock skew between Okta and us (after the `Date` correction) that a reset may still show. */
export const skewAllowanceMillis = 5_000

/** Limits and remaining counts above this are no Okta org's (the largest buckets are a few thousand per minute). */
const maxCount = 10_000_000

/** The largest time a JavaScript `Date` can hold, in epoch seconds: a reset beyond it is no time at all. */
const maxEpochSeconds = 8.64e12

/** What one response said about its bucket. */
export interface RateLimitHeaders {
  /** `X-Rate-Limit-Limit`; 0 marks the org-wide concurrency limit. */
  readonly limit: number
  /** `X-Rate-Limit-Remaining`. */
  readonly remaining: number
  /** When the window resets, in epoch milliseconds on our clock (margin included). */
  readonly resetAt: number
}

/** A header's value, `undefined` when absent or empty. */
export const headerOf = (headers: Headers.Headers, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" && value !== "" ? value : undefined
}

const count = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value.trim())
  return Number.isFinite(n) && n >= 0 && n <= maxCount ? n : undefined
}

const epochSeconds = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const n = Number(value.trim())
  return Number.isFinite(n) && n >= 0 && n <= maxEpochSeconds ? n : undefined
}

/** The response's `Date` in epoch millis (whole seconds), `undefined` when absent or malformed. */
export const dateOf = (headers: Headers.Headers): number | undefined => {
  const date = headerOf(headers, "date")
  if (date === undefined) return undefined
  const millis = Date.parse(date)
  return Number.isFinite(millis) ? millis : undefined
}

/**
 * Reads `X-Rate-Limit-Limit/Remaining/Reset`, converting the reset to our clock with `serverOffset` (Okta's clock
 * minus ours, see {@link ServerClock}) when given, else with the response's `Date` header (our clock when there is no
 * usable `Date`), and clamping it to {@link maxWindowMillis} + {@link skewAllowanceMillis} ahead. `undefined` when a
 * header is absent or unusable.
 */
export const parse = (
  headers: Headers.Headers,
  now: number,
  resetMarginMillis = 1000,
  serverOffset?: number
): RateLimitHeaders | undefined => {
  const limit = count(headerOf(headers, "x-rate-limit-limit"))
  const remaining = count(headerOf(headers, "x-rate-limit-remaining"))
  if (limit === undefined || remaining === undefined) return undefined
  const reset = epochSeconds(headerOf(headers, "x-rate-limit-reset"))
  // The concurrency limit (limit 0) says nothing of a window: its reset is not needed to recognise it.
  if (reset === undefined) return limit === 0 ? { limit, remaining, resetAt: now + resetMarginMillis } : undefined
  const serverNow = serverOffset === undefined ? dateOf(headers) ?? now : now + serverOffset
  const resetIn = Math.min(Math.max(0, reset * 1000 - serverNow), maxWindowMillis + skewAllowanceMillis)
  return { limit, remaining, resetAt: now + resetIn + resetMarginMillis }
}

/**
 * What the `Date` headers tell of Okta's clock against ours: `offset` (Okta's minus ours) lies in `[low, high)`.
 *
 * A `Date` is Okta's time, cut to the second, at some moment between our sending the request and our receiving the
 * answer, so each answer bounds the offset: `Date - received < offset < Date + 1000 - sent`. The bounds of many answers
 * intersect (the tightest are the answers just after Okta's second ticked), so `low` approaches the true offset
 * within a round trip. Converting a reset with `low` puts it no earlier than the true reset on our clock: no fixed
 * safety margin is needed, and none is wasted. Answers whose bounds contradict the others (a clock was set) start
 * the estimate afresh.
 */
export interface ServerClock {
  readonly low: number
  readonly high: number
}

/** Narrows `clock` with an answer dated `date` (Okta's clock), sent at `sent` and received at `received` (ours). */
export const observeServerClock = (
  clock: ServerClock | undefined,
  date: number,
  sent: number,
  received: number
): ServerClock => {
  const low = date - received
  const high = date + 1000 - sent
  if (clock === undefined || low >= clock.high || high <= clock.low) return { low, high }
  return { low: Math.max(low, clock.low), high: Math.min(high, clock.high) }
}

/** What {@link reader} reads: the headers, and how well the reset is known. */
export interface ReadHeaders extends RateLimitHeaders {
  /**
   * The reset lies after this on our clock (and by `resetAt`, margin aside): the reset converted with the upper bound
   * of Okta's clock. `undefined` when the reset is not known so well (no `Date`, or a reset clamped to the window).
   */
  readonly resetAfter: number | undefined
}

/**
 * A reader of answers' rate-limit headers that learns Okta's clock from their `Date`s ({@link ServerClock}) and
 * converts each reset with the lower bound of the offset, adding `resetMarginMillis` when given (none otherwise: the
 * bound already errs late). An answer without a `Date` is read on our clock plus the margin or Okta's advised second.
 * Call it in synchronous steps only (it keeps what it learned).
 */
export const reader = (resetMarginMillis?: number) => {
  let clock: ServerClock | undefined
  return (headers: Headers.Headers, sent: number, received: number): ReadHeaders | undefined => {
    const date = dateOf(headers)
    if (date === undefined) return withReset(parse(headers, received, resetMarginMillis ?? 1000), undefined)
    clock = observeServerClock(clock, date, Math.min(sent, received), received)
    const info = parse(headers, received, resetMarginMillis ?? 0, clock.low)
    if (info === undefined || info.limit === 0) return withReset(info, undefined)
    const reset = epochSeconds(headerOf(headers, "x-rate-limit-reset"))! * 1000
    const resetIn = reset - (received + clock.low)
    const clamped = resetIn < 0 || resetIn > maxWindowMillis + skewAllowanceMillis
    return withReset(info, clamped ? undefined : reset - clock.high)
  }
}

const withReset = (info: RateLimitHeaders | undefined, resetAfter: number | undefined): ReadHeaders | undefined =>
  info === undefined ? undefined : { ...info, resetAfter }
