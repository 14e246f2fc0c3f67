/**
 * The request pipeline of `/api` (and every other path outside `/__sandbox/`), one step after the other:
 * count, match the route, authenticate, rate-limit (concurrency, then the route's bucket), check the method, pick the
 * route's fault and wait its latency, then answer (or fail the way the fault says).
 *
 * @internal
 */
import { Duration, Effect, Option } from "effect"
import * as Clock from "effect/Clock"
import type * as Http from "node:http"
import type * as SandboxOAuth from "../SandboxOAuth.js"
import type * as Auth from "./auth.js"
import type { CountersState } from "./counters.js"
import * as FaultResponses from "./faultResponses.js"
import * as Faults from "./faults.js"
import type { Org } from "./org/model.js"
import * as RateLimits from "./rateLimits.js"
import * as Route from "./route.js"
import * as RouteTable from "./routeTable.js"
import { type Headers, readBody, send } from "./server.js"
import { type ErrorBody, pagedLinks, type Reply, selfLink } from "./wire.js"

/** Everything the pipeline reads, built once per sandbox. */
export interface Pipeline {
  readonly org: Org
  readonly url: () => string
  readonly authenticate: Auth.Authenticator
  readonly oauth: SandboxOAuth.Service
  readonly bucketFor: (route: string, now: number) => RateLimits.Bucket
  readonly concurrencyLimit: number
  readonly baseLatency: Duration.Duration
  readonly faults: ReturnType<typeof Faults.makeSettings>
  readonly counters: CountersState
  readonly nextId: (prefix: string) => string
  readonly error: ErrorBody
}

const splitPath = (path: string): Array<string> => {
  try {
    return path.split("/").map((segment) => decodeURIComponent(segment))
  } catch {
    return []
  }
}

/** Answers one request outside the admin API. */
export const handle = (
  pipeline: Pipeline,
  req: Http.IncomingMessage,
  res: Http.ServerResponse,
  path: string,
  rawQuery: string
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { counters, error } = pipeline
    counters.request()
    const requestId = pipeline.nextId("")
    const matched = RouteTable.match(req.method ?? "GET", splitPath(path))
    const name = matched._tag === "Unmatched" ? RouteTable.unmatched : matched.route.name
    const now = yield* Clock.currentTimeMillis
    const bucket = pipeline.bucketFor(name, now)
    const base = (rate: Record<string, string>, at: number): Headers => ({
      "Content-Type": "application/json",
      "X-Okta-Request-Id": requestId,
      Date: new Date(at).toUTCString(),
      ...rate
    })
    const reply = (status: number, body: unknown, rate: Record<string, string>) => {
      counters.outcome(name, String(status))
      send(res, status, base(rate, now), JSON.stringify(body))
    }

    if (matched._tag === "Unmatched" || matched.route.auth === "api") {
      const principal = yield* pipeline.authenticate({
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        route: name,
        origin: pipeline.url()
      })
      if (Option.isNone(principal)) return reply(401, error(401), RateLimits.current(bucket))
      const refusal = principal.value.refusal
      if (refusal !== undefined) {
        counters.outcome(name, String(refusal.status))
        return send(
          res,
          refusal.status,
          { ...base(RateLimits.current(bucket), now), ...refusal.headers },
          JSON.stringify(refusal.body)
        )
      }
    }
    const admission = RateLimits.admit(bucket, counters.inFlight, pipeline.concurrencyLimit)
    if (admission._tag !== "Admitted") {
      if (admission._tag === "Concurrency") counters.concurrencyRejected()
      return reply(429, error(429), admission.headers)
    }
    const rate = RateLimits.current(bucket)
    if (matched._tag === "WrongMethod") return reply(405, error(405), rate)

    const settings = pipeline.faults.forRoute(name)
    const fault = yield* Faults.pick(settings)
    let delay = pipeline.baseLatency
    if (settings?.faults.latency !== undefined) delay = Duration.sum(delay, settings.faults.latency)
    if (fault._tag === "Latency") delay = Duration.sum(delay, fault.duration)
    if (Duration.greaterThan(delay, Duration.zero)) yield* Effect.sleep(delay)
    const answeredAt = yield* Clock.currentTimeMillis

    if (fault._tag === "Reset") {
      counters.outcome(name, "reset")
      req.socket.destroy()
      return
    }
    if (fault._tag === "Status") {
      const limited = RateLimits.headers(bucket.limit, 0, RateLimits.resetAt(bucket))
      counters.outcome(name, String(fault.status))
      return send(
        res,
        fault.status,
        base(fault.status === 429 ? limited : rate, answeredAt),
        JSON.stringify(error(fault.status))
      )
    }
    const linkBase = { url: pipeline.url(), path, rawQuery, params: new URLSearchParams(rawQuery) }
    const answer: Reply = matched._tag === "Unmatched"
      ? { status: 404, body: error(404, `Not found: Resource not found: ${path} (PathNotFound)`) }
      : yield* Route.run(matched.route, {
        org: pipeline.org,
        pathParams: matched.pathParams,
        query: linkBase.params,
        headers: req.headers,
        body: readBody(req),
        now,
        error,
        selfLink: selfLink(linkBase),
        url: `${linkBase.url}${path}`,
        oauth: pipeline.oauth,
        pagedLinks: (next, limit) => pagedLinks(linkBase, next, limit, settings?.faults.repeatNextCursor === true)
      })
    return yield* FaultResponses.answer(fault, {
      req,
      res,
      url: linkBase.url,
      reply: answer,
      headers: answer.headers === undefined ? base(rate, answeredAt) : { ...base(rate, answeredAt), ...answer.headers },
      error,
      count: (outcome) => counters.outcome(name, outcome)
    })
  })
