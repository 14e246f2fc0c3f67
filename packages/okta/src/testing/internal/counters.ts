/**
 * What the sandbox has seen: requests per route and outcome, 429s, resets, requests in flight.
 *
 * @internal
 */

/** A snapshot, as `Sandbox.counters` and `GET /__sandbox/counters` give it. */
export interface Counters {
  /** Requests to `/api`, all outcomes. */
  readonly requests: number
  /** Requests per route, then per status (`"reset"` for dropped connections). */
  readonly byRoute: { readonly [route: string]: { readonly [status: string]: number } }
  /** Every 429 sent (bucket and concurrency). */
  readonly rateLimited: number
  /** 429s sent because too many requests were in flight. */
  readonly concurrencyRejected: number
  readonly connectionResets: number
  /** The most `/api` requests ever in flight at once. */
  readonly peakConcurrency: number
  readonly inFlight: number
}

/** The sandbox's mutable counters, touched only from request fibers on the single JS thread. */
export const make = () => {
  let counts = {
    requests: 0,
    byRoute: {} as Record<string, Record<string, number>>,
    rateLimited: 0,
    concurrencyRejected: 0,
    connectionResets: 0,
    peakConcurrency: 0
  }
  let inFlight = 0
  return {
    get inFlight() {
      return inFlight
    },
    request: () => {
      counts.requests++
    },
    /** One outcome of a route: a status code, or `"reset"`. */
    outcome: (route: string, outcome: string) => {
      const byStatus = counts.byRoute[route] ?? (counts.byRoute[route] = {})
      byStatus[outcome] = (byStatus[outcome] ?? 0) + 1
      if (outcome === "429") counts.rateLimited++
      if (outcome === "reset") counts.connectionResets++
    },
    concurrencyRejected: () => {
      counts.concurrencyRejected++
    },
    enter: () => {
      inFlight++
      if (inFlight > counts.peakConcurrency) counts.peakConcurrency = inFlight
    },
    leave: () => {
      inFlight--
    },
    snapshot: (): Counters => ({
      ...counts,
      byRoute: Object.fromEntries(Object.entries(counts.byRoute).map(([route, s]) => [route, { ...s }])),
      inFlight
    }),
    reset: () => {
      counts = {
        requests: 0,
        byRoute: {},
        rateLimited: 0,
        concurrencyRejected: 0,
        connectionResets: 0,
        peakConcurrency: inFlight
      }
    }
  }
}

export type CountersState = ReturnType<typeof make>
