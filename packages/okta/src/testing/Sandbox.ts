/**
 * The sandbox: a fake Okta org served over real HTTP on a loopback port. It speaks the Okta Management API for the
 * operations account enrichment uses (`getUser`, `listUsers`, `listUserGroups`, `listFactors`,
 * `listAssignedRolesForUser`, `listLogEvents`), with Okta's SSWS auth, error bodies, `Link` paging, rate-limit
 * headers, per-bucket and concurrency 429s, and scriptable faults.
 *
 * Every time-dependent behaviour (rate-limit windows, `Date`, `X-Rate-Limit-Reset`, latency) reads Effect's `Clock`,
 * so a test drives it with `TestClock`.
 *
 * Admin endpoints (outside `/api`, no token needed; the server listens on loopback only by default):
 * - `GET /__sandbox/counters`: the {@link Counters} as JSON.
 * - `POST /__sandbox/counters/reset`: zeroes them.
 * - `POST /__sandbox/faults` with `{"route": "GET /api/v1/users/{id}", "faults": {...}}`: sets the {@link Faults}
 *   of a route (`"*"` for every route); durations are milliseconds.
 * - `DELETE /__sandbox/faults`: removes every fault.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Either, FiberSet, Layer, Option, Random, Redacted, Schema, Scope } from "effect"
import * as Clock from "effect/Clock"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as SandboxOrg from "./SandboxOrg.js"

// ---------------------------------------------------------------------------------------------------------------
// Routes and limits
// ---------------------------------------------------------------------------------------------------------------

/**
 * The routes the sandbox serves, named like Okta's rate-limit buckets (method + endpoint template).
 * `UNMATCHED` collects requests to any other path.
 *
 * @since 0.1.0
 */
export type Route =
  | "GET /api/v1/users/{id}"
  | "GET /api/v1/users"
  | "GET /api/v1/users/{id}/groups"
  | "GET /api/v1/users/{id}/factors"
  | "GET /api/v1/users/{id}/roles"
  | "GET /api/v1/logs"
  | "UNMATCHED"

/**
 * Okta's published per-minute limits for a Workforce org, per bucket (the defaults).
 *
 * @since 0.1.0
 */
export const defaultRateLimits: { readonly [R in Route]: number } = {
  "GET /api/v1/users/{id}": 2000,
  "GET /api/v1/users": 600,
  "GET /api/v1/users/{id}/groups": 1200,
  "GET /api/v1/users/{id}/factors": 1200,
  "GET /api/v1/users/{id}/roles": 1200,
  "GET /api/v1/logs": 120,
  "UNMATCHED": 1200
}

/**
 * The default org-wide limit on requests in flight at once.
 *
 * @since 0.1.0
 */
export const defaultConcurrencyLimit = 75

/**
 * The default API token. Not a secret: send `Authorization: SSWS sandbox-okta-api-token`.
 *
 * @since 0.1.0
 */
export const defaultToken = "sandbox-okta-api-token"

/**
 * A rate-limit bucket's size and window (default window: one minute).
 *
 * @since 0.1.0
 */
export interface RateLimit {
  readonly limit?: number | undefined
  readonly window?: Duration.DurationInput | undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------------------------

/**
 * One injected fault: answer normally (`None`), answer with an Okta error status (`Status`, e.g. 500 or 503), wait
 * before answering (`Latency`), drop the connection (`Reset`), or send a truncated JSON body (`MalformedJson`).
 *
 * @since 0.1.0
 */
export const Fault = Schema.Union(
  Schema.TaggedStruct("None", {}),
  Schema.TaggedStruct("Status", { status: Schema.Int.pipe(Schema.between(400, 599)) }),
  Schema.TaggedStruct("Latency", { duration: Schema.DurationFromMillis }),
  Schema.TaggedStruct("Reset", {}),
  Schema.TaggedStruct("MalformedJson", {})
)

/**
 * @since 0.1.0
 */
export type Fault = typeof Fault.Type

/**
 * Answer normally.
 *
 * @since 0.1.0
 */
export const none: Fault = { _tag: "None" }
/**
 * Answer with this status and Okta's error body for it.
 *
 * @since 0.1.0
 */
export const status = (status: number): Fault => ({ _tag: "Status", status })
/**
 * Wait this long (on the `Clock`) before answering.
 *
 * @since 0.1.0
 */
export const latency = (duration: Duration.DurationInput): Fault => ({
  _tag: "Latency",
  duration: Duration.decode(duration)
})
/**
 * Destroy the socket without an answer.
 *
 * @since 0.1.0
 */
export const reset: Fault = { _tag: "Reset" }
/**
 * Answer 200 with a body that is cut in half (invalid JSON).
 *
 * @since 0.1.0
 */
export const malformedJson: Fault = { _tag: "MalformedJson" }

/**
 * The faults of one route. Each request takes the next entry of `script`; once the script is used up, each entry of
 * `random` applies with its probability (drawn from Effect's `Random`). `latency` is added to every request.
 * `repeatNextCursor` reproduces a real Okta bug: a page fetched with `after=X` links to `after=X` again, forever.
 *
 * @since 0.1.0
 */
export const Faults = Schema.Struct({
  script: Schema.optional(Schema.Array(Fault)),
  random: Schema.optional(Schema.Array(Schema.Struct({
    probability: Schema.Number.pipe(Schema.between(0, 1)),
    fault: Fault
  }))),
  latency: Schema.optional(Schema.DurationFromMillis),
  repeatNextCursor: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 */
export type Faults = typeof Faults.Type

// ---------------------------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------------------------

/**
 * What the sandbox has seen since it started (or since `resetCounters`).
 *
 * @since 0.1.0
 */
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

/**
 * Options of {@link make}. Everything has a default: the bundled seed org, {@link defaultToken}, an ephemeral port on
 * 127.0.0.1, Okta's Workforce limits per minute, a concurrency limit of 75, no latency, no faults.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly org?: SandboxOrg.Org | undefined
  readonly token?: string | Redacted.Redacted<string> | undefined
  readonly port?: number | undefined
  readonly host?: string | undefined
  /** Per bucket (a {@link Route}); the key `"*"` applies to every bucket not listed. */
  readonly rateLimits?: { readonly [bucket: string]: RateLimit } | undefined
  readonly concurrencyLimit?: number | undefined
  /** Added to every request. */
  readonly latency?: Duration.DurationInput | undefined
  /** Per route; the key `"*"` applies to routes without their own entry. */
  readonly faults?: { readonly [route: string]: Faults } | undefined
}

/**
 * A running sandbox.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Base URL, e.g. `http://127.0.0.1:54321`: use it as the Okta org URL. */
  readonly url: string
  /** The token the sandbox accepts (`Authorization: SSWS <token>`). */
  readonly token: Redacted.Redacted<string>
  readonly org: SandboxOrg.Org
  readonly counters: Effect.Effect<Counters>
  readonly resetCounters: Effect.Effect<void>
  /** Replaces the faults of a route (`"*"`: every route without its own entry) and restarts its script. */
  readonly setFaults: (route: Route | "*", faults: Faults) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
}

/**
 * The sandbox as a service, for tests that start it with {@link layer}.
 *
 * @since 0.1.0
 */
export class Sandbox extends Context.Tag("@enrich/okta/testing/Sandbox")<Sandbox, Service>() {}

/**
 * The sandbox could not start (for example the port is taken).
 *
 * @since 0.1.0
 */
export class SandboxError extends Schema.TaggedError<SandboxError>()("SandboxError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `The Okta sandbox could not start: ${this.reason}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------------------------

interface Bucket {
  readonly limit: number
  readonly windowMillis: number
  windowStart: number
  count: number
}

interface RouteFaultState {
  readonly faults: Faults
  position: number
}

interface Reply {
  readonly status: number
  readonly body: unknown
  readonly links?: ReadonlyArray<string> | undefined
}

const errorTexts: Record<number, readonly [string, string]> = {
  400: ["E0000001", "Api validation failed"],
  401: ["E0000011", "Invalid token provided"],
  403: ["E0000006", "You do not have permission to perform the requested action"],
  404: ["E0000007", "Not found: Resource not found"],
  405: ["E0000022", "The endpoint does not support the provided HTTP method"],
  429: ["E0000047", "API call exceeded rate limit due to too many requests."],
  500: ["E0000009", "Internal Server Error"],
  503: ["E0000009", "Service Unavailable"]
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

const pageLimit = (raw: string | null, fallback: number, max: number): number => {
  if (raw === null) return fallback
  const n = Number.parseInt(raw, 10)
  if (!Number.isFinite(n) || n < 1) return fallback
  return Math.min(n, max)
}

const encodeQuery = (params: URLSearchParams): string => params.toString().replace(/\+/g, "%20")

/**
 * Starts a sandbox on a loopback port for the lifetime of the scope.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, SandboxError, Scope.Scope> =>
  Effect.gen(function*() {
    const org = options.org ?? SandboxOrg.defaultOrg
    const token = options.token === undefined
      ? Redacted.make(defaultToken)
      : Redacted.isRedacted(options.token)
      ? options.token
      : Redacted.make(options.token)
    const expectedAuthorization = `SSWS ${Redacted.value(token)}`
    const host = options.host ?? "127.0.0.1"
    const concurrencyLimit = options.concurrencyLimit ?? defaultConcurrencyLimit
    const baseLatency = options.latency === undefined ? Duration.zero : Duration.decode(options.latency)

    // Mutable state, touched only from request fibers on the single JS thread.
    const buckets = new Map<string, Bucket>()
    const bucketFor = (route: Route, now: number): Bucket => {
      let bucket = buckets.get(route)
      if (bucket === undefined) {
        const own = options.rateLimits?.[route]
        const all = options.rateLimits?.["*"]
        bucket = {
          limit: own?.limit ?? all?.limit ?? defaultRateLimits[route],
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

    const faults = new Map<string, RouteFaultState>()
    for (const [route, f] of Object.entries(options.faults ?? {})) faults.set(route, { faults: f, position: 0 })

    let counters = {
      requests: 0,
      byRoute: {} as Record<string, Record<string, number>>,
      rateLimited: 0,
      concurrencyRejected: 0,
      connectionResets: 0,
      peakConcurrency: 0
    }
    let inFlight = 0
    let sequence = 0
    const nextId = (prefix: string): string => {
      sequence++
      let n = sequence
      let suffix = ""
      for (let i = 0; i < 8; i++) {
        suffix = idAlphabet[n % 62] + suffix
        n = Math.floor(n / 62)
      }
      return `${prefix}sbx${"0".repeat(20 - prefix.length - 11)}${suffix}`
    }
    const count = (route: string, outcome: string) => {
      const byStatus = counters.byRoute[route] ?? (counters.byRoute[route] = {})
      byStatus[outcome] = (byStatus[outcome] ?? 0) + 1
    }

    const snapshot = (): Counters => ({
      ...counters,
      byRoute: Object.fromEntries(Object.entries(counters.byRoute).map(([route, s]) => [route, { ...s }])),
      inFlight
    })

    let url = ""

    const errorBody = (
      statusCode: number,
      summary?: string,
      causes: ReadonlyArray<string> = [],
      errorCode?: string
    ) => {
      const [defaultCode, text] = errorTexts[statusCode] ?? errorTexts[500]
      const code = errorCode ?? defaultCode
      return {
        errorCode: code,
        errorSummary: summary ?? text,
        errorLink: code,
        errorId: nextId("oae"),
        errorCauses: causes.map((errorSummary) => ({ errorSummary }))
      }
    }

    const pagedLinks = (
      path: string,
      rawQuery: string,
      params: URLSearchParams,
      next: Option.Option<string>,
      limit: number,
      repeatCursor: boolean
    ): Array<string> => {
      const links = [`<${url}${path}${rawQuery === "" ? "" : `?${rawQuery}`}>; rel="self"`]
      const after = params.get("after")
      const cursor = repeatCursor && after !== null ? Option.some(after) : next
      if (Option.isSome(cursor)) {
        const nextParams = new URLSearchParams()
        nextParams.set("after", cursor.value)
        for (const [key, value] of params) if (key !== "after" && key !== "limit") nextParams.append(key, value)
        nextParams.set("limit", String(limit))
        links.push(`<${url}${path}?${encodeQuery(nextParams)}>; rel="next"`)
      }
      return links
    }

    const userNotFound = (idOrLogin: string): Reply => ({
      status: 404,
      body: errorBody(404, `Not found: Resource not found: ${idOrLogin} (User)`)
    })

    const searchError = (error: { readonly message: string }): Reply => ({
      status: 400,
      body: errorBody(400, "Invalid search criteria.", [error.message], "E0000031")
    })

    const answer = (
      route: Route,
      segments: ReadonlyArray<string>,
      path: string,
      rawQuery: string,
      params: URLSearchParams,
      routeFaults: Faults | undefined,
      now: number
    ): Reply => {
      const repeat = routeFaults?.repeatNextCursor === true
      // Users and a user's groups page alike: `limit` (default and max 200), `after` a cursor on the id.
      const paged = <A extends { readonly id: string }>(items: ReadonlyArray<A>): Reply => {
        const limit = pageLimit(params.get("limit"), 200, 200)
        const page = SandboxOrg.paginate(items, {
          after: params.get("after") ?? undefined,
          limit,
          key: (item) => item.id
        })
        return { status: 200, body: page.items, links: pagedLinks(path, rawQuery, params, page.next, limit, repeat) }
      }
      switch (route) {
        case "GET /api/v1/users/{id}":
          return Option.match(SandboxOrg.getUser(org, segments[4]), {
            onNone: () => userNotFound(segments[4]),
            onSome: (user) => ({ status: 200, body: user })
          })
        case "GET /api/v1/users": {
          const search = params.get("search")
          const filter = params.get("filter")
          const q = params.get("q")
          if (search === null && filter === null && q !== null) {
            const users = SandboxOrg.qUsers(org, q).slice(0, pageLimit(params.get("limit"), 10, 200))
            return { status: 200, body: users, links: [`<${url}${path}?${rawQuery}>; rel="self"`] }
          }
          const result = search !== null
            ? SandboxOrg.searchUsers(org, search)
            : filter !== null
            ? SandboxOrg.filterUsers(org, filter)
            : Either.right(SandboxOrg.listUsers(org))
          if (Either.isLeft(result)) return searchError(result.left)
          return paged(result.right)
        }
        case "GET /api/v1/users/{id}/groups":
          return Option.match(SandboxOrg.listUserGroups(org, segments[4]), {
            onNone: () => userNotFound(segments[4]),
            onSome: paged
          })
        case "GET /api/v1/users/{id}/factors":
          return Option.match(SandboxOrg.listFactors(org, segments[4]), {
            onNone: () => userNotFound(segments[4]),
            onSome: (factors) => ({ status: 200, body: factors })
          })
        case "GET /api/v1/users/{id}/roles":
          return Option.match(SandboxOrg.listRoles(org, segments[4]), {
            onNone: () => userNotFound(segments[4]),
            onSome: (roles) => ({ status: 200, body: roles })
          })
        case "GET /api/v1/logs": {
          const sortOrder = params.get("sortOrder")
          const limit = pageLimit(params.get("limit"), 100, 1000)
          const result = SandboxOrg.listLogs(org, {
            filter: params.get("filter") ?? undefined,
            since: params.get("since") ?? undefined,
            until: params.get("until") ?? undefined,
            after: params.get("after") ?? undefined,
            limit,
            sortOrder: sortOrder === "DESCENDING" ? "DESCENDING" : "ASCENDING",
            now: new Date(now)
          })
          if (Either.isLeft(result)) {
            const error = result.left
            return error._tag === "SearchSyntaxError"
              ? searchError(error)
              : {
                status: 400,
                body: errorBody(400, `Api validation failed: ${error.parameter}`, [error.message])
              }
          }
          return {
            status: 200,
            body: result.right.items,
            links: pagedLinks(path, rawQuery, params, result.right.next, limit, repeat)
          }
        }
        case "UNMATCHED":
          return { status: 404, body: errorBody(404, `Not found: Resource not found: ${path} (PathNotFound)`) }
      }
    }

    const matchRoute = (segments: ReadonlyArray<string>): Route => {
      if (segments[1] !== "api" || segments[2] !== "v1") return "UNMATCHED"
      if (segments[3] === "users") {
        if (segments.length === 4) return "GET /api/v1/users"
        if (segments[4] === "") return "UNMATCHED"
        if (segments.length === 5) return "GET /api/v1/users/{id}"
        if (segments.length === 6) {
          switch (segments[5]) {
            case "groups":
              return "GET /api/v1/users/{id}/groups"
            case "factors":
              return "GET /api/v1/users/{id}/factors"
            case "roles":
              return "GET /api/v1/users/{id}/roles"
          }
        }
        return "UNMATCHED"
      }
      if (segments[3] === "logs" && segments.length === 4) return "GET /api/v1/logs"
      return "UNMATCHED"
    }

    const pickFault = (state: RouteFaultState | undefined): Effect.Effect<Fault> => {
      if (state === undefined) return Effect.succeed(none)
      const script = state.faults.script
      if (script !== undefined && state.position < script.length) {
        return Effect.succeed(script[state.position++])
      }
      const random = state.faults.random
      if (random === undefined || random.length === 0) return Effect.succeed(none)
      return Effect.gen(function*() {
        for (const entry of random) {
          if ((yield* Random.next) < entry.probability) return entry.fault
        }
        return none
      })
    }

    const send = (
      res: Http.ServerResponse,
      statusCode: number,
      headers: Record<string, string | ReadonlyArray<string>>,
      body: string | undefined
    ) => {
      if (res.headersSent || res.destroyed) return
      for (const name in headers) res.setHeader(name, headers[name])
      res.statusCode = statusCode
      res.end(body)
    }

    const rateHeaders = (limit: number, remaining: number, resetMillis: number) => ({
      "X-Rate-Limit-Limit": String(limit),
      "X-Rate-Limit-Remaining": String(remaining),
      "X-Rate-Limit-Reset": String(Math.ceil(resetMillis / 1000))
    })

    const handleApi = (
      req: Http.IncomingMessage,
      res: Http.ServerResponse,
      path: string,
      rawQuery: string
    ): Effect.Effect<void> =>
      Effect.gen(function*() {
        counters.requests++
        const requestId = nextId("")
        let segments: Array<string>
        try {
          segments = path.split("/").map((segment) => decodeURIComponent(segment))
        } catch {
          segments = []
        }
        const matched = matchRoute(segments)
        const route: Route = matched
        const now = yield* Clock.currentTimeMillis
        const bucket = bucketFor(route, now)
        const resetAt = bucket.windowStart + bucket.windowMillis
        const base = (extra: Record<string, string>, at: number) => ({
          "Content-Type": "application/json",
          "X-Okta-Request-Id": requestId,
          Date: new Date(at).toUTCString(),
          ...extra
        })
        const reply = (
          statusCode: number,
          body: unknown,
          rate: Record<string, string>,
          links?: ReadonlyArray<string>
        ) => {
          const headers: Record<string, string | ReadonlyArray<string>> = base(rate, now)
          if (links !== undefined) headers.Link = links
          count(route, String(statusCode))
          if (statusCode === 429) counters.rateLimited++
          send(res, statusCode, headers, JSON.stringify(body))
        }
        const currentRate = () => rateHeaders(bucket.limit, Math.max(0, bucket.limit - bucket.count), resetAt)

        if (req.headers.authorization !== expectedAuthorization) {
          return reply(401, errorBody(401), currentRate())
        }
        if (inFlight > concurrencyLimit) {
          counters.concurrencyRejected++
          return reply(429, errorBody(429), rateHeaders(0, 0, resetAt))
        }
        if (bucket.count >= bucket.limit) {
          return reply(429, errorBody(429), rateHeaders(bucket.limit, 0, resetAt))
        }
        bucket.count++
        const rate = currentRate()
        if (req.method !== "GET" && route !== "UNMATCHED") {
          return reply(405, errorBody(405), rate)
        }

        const state = faults.get(route) ?? faults.get("*")
        const fault = yield* pickFault(state)
        let delay = baseLatency
        if (state?.faults.latency !== undefined) delay = Duration.sum(delay, state.faults.latency)
        if (fault._tag === "Latency") delay = Duration.sum(delay, fault.duration)
        if (Duration.greaterThan(delay, Duration.zero)) yield* Effect.sleep(delay)
        const answeredAt = yield* Clock.currentTimeMillis

        switch (fault._tag) {
          case "Reset": {
            counters.connectionResets++
            count(route, "reset")
            req.socket.destroy()
            return
          }
          case "Status": {
            const headers = base(fault.status === 429 ? rateHeaders(bucket.limit, 0, resetAt) : rate, answeredAt)
            count(route, String(fault.status))
            if (fault.status === 429) counters.rateLimited++
            return send(res, fault.status, headers, JSON.stringify(errorBody(fault.status)))
          }
          default: {
            const result = answer(route, segments, path, rawQuery, new URLSearchParams(rawQuery), state?.faults, now)
            const headers: Record<string, string | ReadonlyArray<string>> = base(rate, answeredAt)
            if (result.links !== undefined) headers.Link = result.links
            let body = JSON.stringify(result.body)
            if (fault._tag === "MalformedJson") body = body.slice(0, Math.max(1, Math.floor(body.length / 2)))
            count(route, String(result.status))
            return send(res, result.status, headers, body)
          }
        }
      })

    const readBody = (req: Http.IncomingMessage): Effect.Effect<string> =>
      Effect.async<string>((resume) => {
        const chunks: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => chunks.push(chunk))
        req.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
        req.on("error", () => resume(Effect.succeed("")))
      })

    const decodeFaultsRequest = Schema.decodeUnknownEither(
      Schema.parseJson(Schema.Struct({ route: Schema.String, faults: Faults }))
    )

    const handleAdmin = (req: Http.IncomingMessage, res: Http.ServerResponse, path: string): Effect.Effect<void> =>
      Effect.gen(function*() {
        const json = (statusCode: number, body: unknown) =>
          send(res, statusCode, { "Content-Type": "application/json" }, JSON.stringify(body))
        const key = `${req.method} ${path}`
        switch (key) {
          case "GET /__sandbox/counters":
            return json(200, snapshot())
          case "POST /__sandbox/counters/reset":
            yield* service.resetCounters
            return send(res, 204, {}, undefined)
          case "POST /__sandbox/faults": {
            const decoded = decodeFaultsRequest(yield* readBody(req))
            if (Either.isLeft(decoded)) return json(400, { error: String(decoded.left) })
            yield* service.setFaults(decoded.right.route as Route, decoded.right.faults)
            return send(res, 204, {}, undefined)
          }
          case "DELETE /__sandbox/faults":
            yield* service.clearFaults
            return send(res, 204, {}, undefined)
          default:
            return json(404, { error: `Unknown admin endpoint ${key}` })
        }
      })

    const handle = (req: Http.IncomingMessage, res: Http.ServerResponse): Effect.Effect<void> => {
      const raw = req.url ?? "/"
      const q = raw.indexOf("?")
      const path = q < 0 ? raw : raw.slice(0, q)
      const rawQuery = q < 0 ? "" : raw.slice(q + 1)
      if (path.startsWith("/__sandbox/")) return handleAdmin(req, res, path)
      inFlight++
      if (inFlight > counters.peakConcurrency) counters.peakConcurrency = inFlight
      return handleApi(req, res, path, rawQuery).pipe(
        Effect.catchAllCause((cause) =>
          Effect.sync(() =>
            send(
              res,
              500,
              { "Content-Type": "application/json" },
              JSON.stringify({ ...errorBody(500), cause: String(cause) })
            )
          )
        ),
        Effect.ensuring(Effect.sync(() => {
          inFlight--
        }))
      )
    }

    const fibers = yield* FiberSet.make<void, never>()
    const run = yield* FiberSet.runtime(fibers)<never>()

    const server = yield* Effect.acquireRelease(
      Effect.async<Http.Server, SandboxError>((resume) => {
        const server = Http.createServer((req, res) => {
          res.sendDate = false
          run(handle(req, res))
        })
        server.keepAliveTimeout = 5_000
        const onError = (error: Error) => resume(Effect.fail(new SandboxError({ reason: error.message })))
        server.once("error", onError)
        server.listen(options.port ?? 0, host, () => {
          server.off("error", onError)
          resume(Effect.succeed(server))
        })
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const address = server.address() as AddressInfo
    url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`

    const service: Service = {
      url,
      token,
      org,
      counters: Effect.sync(snapshot),
      resetCounters: Effect.sync(() => {
        counters = {
          requests: 0,
          byRoute: {},
          rateLimited: 0,
          concurrencyRejected: 0,
          connectionResets: 0,
          peakConcurrency: inFlight
        }
      }),
      setFaults: (route, f) => Effect.sync(() => void faults.set(route, { faults: f, position: 0 })),
      clearFaults: Effect.sync(() => faults.clear())
    }
    return service
  })

/**
 * The sandbox as a Layer: starts with the layer, stops when it is released.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Sandbox, SandboxError> => Layer.scoped(Sandbox, make(options))
