/**
 * Scenario 3 seen per window: an `HttpClient` layer that records every request enrich sends (its bucket, when it was
 * sent and answered, the rate-limit headers of the answer), and what the records tell of each bucket's windows.
 *
 * The whole-run rate (2xx over wall time) also counts the first window, which a cold or CPU-starved client cannot
 * fill, and the last, which ends when the lookups do. The steady rate counts only the windows in between: the
 * requests Okta admitted in them over the time from the first window's opening to the last one's, which is what the
 * rate limiter decides.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Contenders from "./Contenders.js"

/** One request, as the client saw it (times in epoch milliseconds, sub-millisecond). */
export interface Sent {
  /** The bucket: the last path segment for a user's groups, factors or roles, else `user`. */
  readonly bucket: string
  readonly sent: number
  received: number
  status: number
  /** `X-Rate-Limit-Remaining`, -1 when absent. */
  remaining: number
  /** `X-Rate-Limit-Reset` in epoch milliseconds (Okta's clock), 0 when absent. */
  reset: number
}

/** One window of a bucket, opened by the request answered with `limit - 1` remaining. */
export interface Window {
  readonly bucket: string
  /** When its opener was sent. */
  readonly opened: number
  readonly reset: number
  readonly admitted: number
  readonly unused: number
}

const now = () => performance.timeOrigin + performance.now()

const bucketOf = (url: string): string => {
  const parts = new URL(url).pathname.split("/")
  return parts.length > 5 ? parts[5] : "user"
}

/** A recorder: `layer` is the transport (as `Contenders.enrich` builds it) recording into `log`. */
export const recorder = (transport: Contenders.Transport) => {
  const log: Array<Sent> = []
  const layer = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(
      HttpClient.HttpClient,
      (client) =>
        HttpClient.transform(client, (effect, request) =>
          Effect.suspend(() => {
            const entry: Sent = {
              bucket: bucketOf(request.url),
              sent: now(),
              received: 0,
              status: 0,
              remaining: -1,
              reset: 0
            }
            log.push(entry)
            return Effect.tap(effect, (response) =>
              Effect.sync(() => {
                entry.received = now()
                entry.status = response.status
                entry.remaining = Number(response.headers["x-rate-limit-remaining"] ?? -1)
                entry.reset = Number(response.headers["x-rate-limit-reset"] ?? 0) * 1000
              }))
          }))
    )
  ).pipe(Layer.provide(transport === "undici" ? NodeHttpClient.layerUndici : FetchHttpClient.layer))
  return { layer, log }
}

/** Each bucket's windows, in order. */
export const windows = (log: ReadonlyArray<Sent>, limit: number): ReadonlyArray<Window> => {
  const buckets = Array.from(new Set(log.map((e) => e.bucket)))
  return buckets.flatMap((bucket) => {
    const entries = log.filter((e) => e.bucket === bucket)
    return entries
      .filter((e) => e.status === 200 && e.remaining === limit - 1)
      .sort((a, b) => a.sent - b.sent)
      .map((opener) => {
        const admitted = entries.filter((e) => e.status === 200 && e.reset === opener.reset).length
        return { bucket, opened: opener.sent, reset: opener.reset, admitted, unused: limit - admitted }
      })
  })
}

/**
 * The steady rate, as a share of the allowed one, averaged over the buckets: each bucket's admitted requests in its
 * windows but the last, over the time from its first window's opening to its last one's. Also the mean unused slots
 * per window but the first and the last, and how many such windows there were.
 */
export const steady = (log: ReadonlyArray<Sent>, limit: number, windowMillis: number) => {
  const all = windows(log, limit)
  const buckets = Array.from(new Set(all.map((w) => w.bucket)))
  const shares: Array<number> = []
  const unused: Array<number> = []
  for (const bucket of buckets) {
    const own = all.filter((w) => w.bucket === bucket)
    if (own.length < 2) continue
    const admitted = own.slice(0, -1).reduce((sum, w) => sum + w.admitted, 0)
    shares.push(admitted / (own[own.length - 1].opened - own[0].opened) / (limit / windowMillis))
    unused.push(...own.slice(1, -1).map((w) => w.unused))
  }
  const mean = (xs: ReadonlyArray<number>) => xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length
  return { share: mean(shares), unusedPerWindow: mean(unused), windows: unused.length }
}
