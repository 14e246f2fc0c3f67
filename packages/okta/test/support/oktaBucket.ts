import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Clock, Duration, Effect } from "effect"

/** A response with `status` and `headers`, as the rate limiter reads it. */
export const response = (status: number, headers: Record<string, string>) =>
  HttpClientResponse.fromWeb(
    HttpClientRequest.get("https://acme.okta.com/api/v1/users/x"),
    new Response("{}", { status, headers })
  )

/**
 * Okta's side of one bucket, on the TestClock: a window of `limit` requests that opens with the first request after
 * the last one ended (as the sandbox does), on Okta's clock (`skewMillis` ahead of ours), its reset told in whole
 * seconds (rounded up) with a `Date` cut to the second. Half of `latencyMillis` on the way there, half back.
 */
export const oktaBucket = (
  limit: number,
  options: {
    windowMillis?: number
    skewMillis?: number
    latencyMillis?: number
    /** Windows on a fixed grid of Okta's clock (multiples of the window) instead of opening with a request. */
    aligned?: boolean
  } = {}
) => {
  const windowMillis = options.windowMillis ?? 60_000
  const skew = options.skewMillis ?? 0
  const halfTrip = Duration.millis((options.latencyMillis ?? 0) / 2)
  let windowStart = -Infinity
  let used = 0
  /** When each request reached Okta (our clock). */
  const sentAt: Array<number> = []
  /** When each refused (429) request reached Okta (our clock). */
  const refused: Array<number> = []
  /** When each window opened (our clock). */
  const windows: Array<number> = []
  const send = Effect.gen(function*() {
    yield* Effect.sleep(halfTrip)
    const now = yield* Clock.currentTimeMillis
    const okta = now + skew
    if (okta >= windowStart + windowMillis) {
      windowStart = options.aligned === true ? okta - okta % windowMillis : okta
      used = 0
      windows.push(now)
    }
    used++
    sentAt.push(now)
    const ok = used <= limit
    if (!ok) refused.push(now)
    // The headers say what was left when the request was counted (requests counted later are still in flight).
    const answer = response(ok ? 200 : 429, {
      "x-rate-limit-limit": String(limit),
      "x-rate-limit-remaining": String(Math.max(0, limit - used)),
      "x-rate-limit-reset": String(Math.ceil((windowStart + windowMillis) / 1000)),
      date: new Date(okta).toUTCString()
    })
    yield* Effect.sleep(halfTrip)
    return answer
  })
  /**
   * The achieved share of the allowed rate: the requests admitted in every window after the first, over the time from
   * the first window's opening to the last one's (so neither the start nor the tail of the run counts).
   */
  const share = () => {
    if (windows.length < 2) return Number.NaN
    const last = windows[windows.length - 1]
    const admitted = sentAt.filter((t) => t < last).length - refused.filter((t) => t < last).length
    return admitted / (last - windows[0]) / (limit / windowMillis)
  }
  /**
   * Every window but the last (the run's tail): when it opened, how many of its slots were left unused, and how long
   * after its end (on Okta's clock) the next one opened.
   */
  const closedWindows = () =>
    windows.slice(0, -1).map((opened, i) => {
      const next = windows[i + 1]
      const admitted = sentAt.filter((t) => t >= opened && t < next).length -
        refused.filter((t) => t >= opened && t < next).length
      return { opened, unused: limit - admitted, gapMillis: next - (opened + windowMillis) }
    })
  return { send, sentAt, refused, windows, share, closedWindows }
}
