/**
 * Okta's rate limiting, emulated: one fixed-window bucket per route (Okta's per-minute limits by default), an
 * org-wide limit on requests in flight, and the `X-Rate-Limit-*` headers that report them.
 *
 * @internal
 */
import { Duration } from "effect"

/** A bucket's size and window, as given in the sandbox's options. */
export interface RateLimitOption {
  readonly limit?: number | undefined
  readonly window?: Duration.DurationInput | undefined
}

/** One bucket's state in its current window. */
export interface Bucket {
  readonly limit: number
  readonly windowMillis: number
  windowStart: number
  count: number
}

/** The buckets of one sandbox; a bucket's window starts with its first request. */
export const makeBuckets = (
  defaults: { readonly [route: string]: number },
  options: { readonly [bucket: string]: RateLimitOption } | undefined
) => {
  const buckets = new Map<string, Bucket>()
  return (route: string, now: number): Bucket => {
    let bucket = buckets.get(route)
    if (bucket === undefined) {
      const own = options?.[route]
      const all = options?.["*"]
      bucket = {
        limit: own?.limit ?? all?.limit ?? defaults[route],
        windowMillis: Duration.toMillis(own?.window ?? all?.window ?? "1 minute"),
        windowStart: now,
        count: 0
      }
      buckets.set(route, bucket)
    }
    if (now >= bucket.windowStart + bucket.windowMillis) {
      bucket.windowStart = now
      bucket.count = 0
    }
    return bucket
  }
}

/** When the bucket's window ends, in epoch milliseconds. */
export const resetAt = (bucket: Bucket): number => bucket.windowStart + bucket.windowMillis

/** The `X-Rate-Limit-*` headers (the reset in epoch seconds, rounded up). */
export const headers = (limit: number, remaining: number, resetMillis: number): Record<string, string> => ({
  "X-Rate-Limit-Limit": String(limit),
  "X-Rate-Limit-Remaining": String(remaining),
  "X-Rate-Limit-Reset": String(Math.ceil(resetMillis / 1000))
})

/** The headers of an answer that counted against the bucket. */
export const current = (bucket: Bucket): Record<string, string> =>
  headers(bucket.limit, Math.max(0, bucket.limit - bucket.count), resetAt(bucket))

/** Why a request is refused with 429, if it is: too many in flight org-wide, or its bucket is spent. */
export const admit = (
  bucket: Bucket,
  inFlight: number,
  concurrencyLimit: number
): { readonly _tag: "Admitted" } | {
  readonly _tag: "Concurrency" | "Bucket"
  readonly headers: Record<string, string>
} => {
  // Okta reports a concurrency rejection with Limit 0 / Remaining 0.
  if (inFlight > concurrencyLimit) return { _tag: "Concurrency", headers: headers(0, 0, resetAt(bucket)) }
  if (bucket.count >= bucket.limit) return { _tag: "Bucket", headers: headers(bucket.limit, 0, resetAt(bucket)) }
  bucket.count++
  return { _tag: "Admitted" }
}
