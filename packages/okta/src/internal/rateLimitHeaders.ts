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

/** The response's `Date` in epoch millis, `undefined` when absent or malformed. */
const dateOf = (headers: Headers.Headers): number | undefined => {
  const date = headerOf(headers, "date")
  if (date === undefined) return undefined
  const millis = Date.parse(date)
  return Number.isFinite(millis) ? millis : undefined
}

/**
 * Reads `X-Rate-Limit-Limit/Remaining/Reset`, converting the reset to our clock with the response's `Date` header
 * (our clock when there is no usable `Date`) and clamping it to {@link maxWindowMillis} + {@link skewAllowanceMillis}
 * ahead. `undefined` when a header is absent or unusable.
 */
export const parse = (
  headers: Headers.Headers,
  now: number,
  resetMarginMillis = 1000
): RateLimitHeaders | undefined => {
  const limit = count(headerOf(headers, "x-rate-limit-limit"))
  const remaining = count(headerOf(headers, "x-rate-limit-remaining"))
  if (limit === undefined || remaining === undefined) return undefined
  const reset = epochSeconds(headerOf(headers, "x-rate-limit-reset"))
  // The concurrency limit (limit 0) says nothing of a window: its reset is not needed to recognise it.
  if (reset === undefined) return limit === 0 ? { limit, remaining, resetAt: now + resetMarginMillis } : undefined
  const serverNow = dateOf(headers) ?? now
  const resetIn = Math.min(Math.max(0, reset * 1000 - serverNow), maxWindowMillis + skewAllowanceMillis)
  return { limit, remaining, resetAt: now + resetIn + resetMarginMillis }
}
