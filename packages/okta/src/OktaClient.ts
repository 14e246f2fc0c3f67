// Over 350 lines on purpose: a list of operations, a few lines each, over internal/execute, internal/response and
// Pagination.
/**
 * The Okta client: the few Okta management API operations account enrichment needs, over `HttpClient`, with
 * pagination, rate-limit pacing and bounded retries.
 *
 * Every request carries `Accept: application/json`, `User-Agent: enrich/<version>` and a timeout; every path segment
 * is percent-encoded, so no indicator can change the path that is requested; the email search escapes `\` and `"`,
 * so no indicator can add a clause to the search. Requests go through the {@link RateLimiter.RateLimiter} (pacing
 * per bucket, in-flight cap). 429s wait for the reset (Okta's clock) plus jitter; 5xx, network errors and timeouts
 * are retried with capped, jittered exponential backoff; other 4xx are never retried. Every wait (pacing, reset,
 * backoff) ends within the operation's deadline, or the operation fails at once saying why.
 *
 * Only the headers above and `Authorization` are sent: no trace propagation (`b3`, `traceparent`); spans stay local.
 * Redirects are never followed, on any transport: a 3xx is an `OktaInvalidResponse` naming the origin it pointed to.
 * A response body is read up to `maxResponseBytes` and JSON nested deeper than 64 levels is refused, so any body,
 * whatever its size or shape, ends in a value or a typed error. Resources keep the JSON Okta sent as `raw`.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Execute from "./internal/execute.js"
import * as GroupPage from "./internal/groupPage.js"
import * as Response from "./internal/response.js"
import * as OktaAuth from "./OktaAuth.js"
import * as OktaConfig from "./OktaConfig.js"
import type { OktaConfigError, OktaError } from "./OktaError.js"
import { OktaNotFound } from "./OktaError.js"
import * as OktaLogEvent from "./OktaLogEvent.js"
import { OktaFactor, OktaGroup, OktaRoleAssignment, OktaUser } from "./OktaResources.js"
import * as Pagination from "./Pagination.js"
import * as RateLimiter from "./RateLimiter.js"

/**
 * A list read across pages. `complete` is false when pagination had to stop early (a repeated cursor, a known Okta
 * bug, or the page bound); `incompleteReason` then says why, and `items` holds what was read.
 */
export interface Listing<A> {
  readonly items: ReadonlyArray<A>
  readonly complete: boolean
  readonly incompleteReason?: string
}

/** Options of {@link Service.listLogEvents}. */
export interface LogEventsOptions {
  /** How far back to read (`since` = now - window); longer than 90 days (Okta's retention) reads 90 days. */
  readonly window: Duration.DurationInput
  /**
   * At most this many events are read (default {@link defaultMaxLogEvents}): the read stops after the page that
   * reaches the bound, and the listing is then incomplete. Pages are of `min(bound, 1000)` events.
   */
  readonly maxEvents?: number | undefined
  /** Events per page, 1 to 1000 (default: the bound, at most 1000). */
  readonly pageSize?: number | undefined
}

/** The default bound of {@link Service.listLogEvents}: 1,000 events (one page). */
export const defaultMaxLogEvents = 1000

/** An account's System Log events in a window, newest first, as Okta sent them (raw JSON). */
export interface LogListing extends Listing<unknown> {
  /** The start of the window read (`since`). */
  readonly since: Date
  /** Its end (`until`): the time of the request. */
  readonly until: Date
}

const boundReason = (maxEvents: number) =>
  `stopped at the bound of ${maxEvents} events; older events in the window were not read`

/** The Okta operations enrichment uses. */
export interface Service {
  /** `GET /api/v1/users/{idOrLogin}`: a user by id, login or unambiguous short name. 404 is `OktaNotFound`. */
  readonly getUser: (idOrLogin: string) => Effect.Effect<OktaUser, OktaError>
  /** `GET /api/v1/users?search=profile.email eq "…"`: every user with that email (DEPROVISIONED included). */
  readonly findUsersByEmail: (email: string) => Effect.Effect<Listing<OktaUser>, OktaError>
  /**
   * `GET /api/v1/users/{id}/groups`, every page. With `{ keepRaw: false }`, each group's `raw` is `null`: a page's
   * JSON is dropped once its groups are decoded, so a user in thousands of groups holds only the decoded fields.
   * Fakes may ignore the option.
   */
  readonly listUserGroups: (
    userId: string,
    options?: { readonly keepRaw?: boolean | undefined }
  ) => Effect.Effect<Listing<OktaGroup>, OktaError>
  /** `GET /api/v1/users/{userId}/factors`. */
  readonly listFactors: (userId: string) => Effect.Effect<ReadonlyArray<OktaFactor>, OktaError>
  /** `GET /api/v1/users/{userId}/roles`, including roles assigned through groups. */
  readonly listRoles: (userId: string) => Effect.Effect<ReadonlyArray<OktaRoleAssignment>, OktaError>
  /**
   * `GET /api/v1/logs?filter=actor.id eq "ID" or target.id eq "ID"&since=…&until=…&sortOrder=DESCENDING`: the
   * account's System Log events in the window, newest first, raw, every page up to the bound (same-origin links,
   * repeated cursors and the page bound stop the walk as for group listings). Its own rate-limit bucket
   * (`GET /api/v1/logs`). Present on the HTTP client; in-memory fakes may omit it (no activity is then read).
   */
  readonly listLogEvents?: (userId: string, options: LogEventsOptions) => Effect.Effect<LogListing, OktaError>
  /**
   * The rate-limit state and counters (requests, 429s, retries, waits, time waited) since the client was built.
   * Present on the HTTP client; in-memory fakes may omit it.
   */
  readonly stats?: Effect.Effect<RateLimiter.Stats>
  /**
   * Whether the client's credentials may use `scope` (e.g. `okta.roles.read`): false once an OAuth scope is known to
   * be missing (not granted, or refused with 403 `insufficient_scope`); true for an API token. Absent: true.
   */
  readonly hasScope?: ((scope: string) => Effect.Effect<boolean>) | undefined
  /** The authentication in use (its `scheme`, and for OAuth its scopes). Present on the HTTP client. */
  readonly auth?: OktaAuth.Service | undefined
  /** `GET /api/v1/users?limit=1`, one page: the cheapest request that proves the credentials work (`enrich doctor`). */
  readonly sample?: Effect.Effect<ReadonlyArray<OktaUser>, OktaError> | undefined
}

/** The Okta client service. */
export class OktaClient extends Context.Tag("@enrich/okta/OktaClient")<OktaClient, Service>() {}

/** Options of the client: see {@link OktaConfig.Options}. */
export type Options = OktaConfig.Options

/** The endpoint templates, which are also the rate-limit buckets (with the method). */
const Endpoint = {
  user: "/api/v1/users/{id}",
  users: "/api/v1/users",
  userGroups: "/api/v1/users/{id}/groups",
  userFactors: "/api/v1/users/{id}/factors",
  userRoles: "/api/v1/users/{id}/roles",
  logs: "/api/v1/logs"
} as const

/**
 * Percent-encodes one path segment, so `/`, `?`, `#`, `%` and control characters stay inside it. Dot segments and
 * the empty segment, which URL parsing would remove or collapse whatever their encoding, are refused (`undefined`).
 */
const encodePathSegment = (segment: string): string | undefined => {
  if (segment === "" || segment === "." || segment === "..") return undefined
  try {
    return encodeURIComponent(segment)
  } catch {
    return undefined // a lone surrogate cannot be encoded
  }
}

/**
 * The `search` expression that finds users by email, with `\` and `"` escaped so the value stays one string literal:
 * `profile.email eq "a\"b@example.com"`.
 */
export const emailSearch = (email: string): string =>
  `profile.email eq "${email.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`

type Call = Execute.Call

const decodeUser: Response.Decoder<OktaUser> = ParseResult.decodeUnknownEither(OktaUser)
const decodeUsers: Response.Decoder<ReadonlyArray<OktaUser>> = ParseResult.decodeUnknownEither(Schema.Array(OktaUser))
const decodeGroups: Response.Decoder<ReadonlyArray<OktaGroup>> = ParseResult.decodeUnknownEither(
  Schema.Array(OktaGroup)
)
/** Groups without the JSON they came from (`raw: null`): what `listUserGroups(id, { keepRaw: false })` keeps. */
const decodeGroupsWithoutRaw: Response.Decoder<ReadonlyArray<OktaGroup>> = GroupPage.withoutRaw(decodeGroups)
const decodeFactors: Response.Decoder<ReadonlyArray<OktaFactor>> = ParseResult.decodeUnknownEither(
  Schema.Array(OktaFactor)
)
const decodeLogPage: Response.Decoder<ReadonlyArray<unknown>> = ParseResult.decodeUnknownEither(
  Schema.Array(Schema.Unknown)
)
const decodeRoles: Response.Decoder<ReadonlyArray<OktaRoleAssignment>> = ParseResult.decodeUnknownEither(
  Schema.Array(OktaRoleAssignment)
)

// The span's call site would always be this module, so it is not captured: capturing it allocates an Error per call.
const spanOptions = { captureStackTrace: false } as const
const annotateClient = Effect.annotateLogs("client", "okta")

/** Each operation in its span, its logs annotated with `client: okta`. */
const traced = (name: string) => {
  const span = Effect.withSpan(`OktaClient.${name}`, spanOptions)
  return <A, E, R>(effect: Effect.Effect<A, E, R>) => annotateClient(span(effect))
}
const tracedGetUser = traced("getUser")
const tracedFindUsersByEmail = traced("findUsersByEmail")
const tracedListUserGroups = traced("listUserGroups")
const tracedListFactors = traced("listFactors")
const tracedListRoles = traced("listRoles")
const tracedListLogEvents = traced("listLogEvents")

/** The rate limiter's options from the client's. */
const rateLimitOptions = (options: Options): RateLimiter.Options => ({
  ...options.rateLimit,
  maxConcurrency: options.maxConcurrency ?? 8
})

/** The client over `limiter`. */
const makeWith = (
  options: Options,
  limiter: RateLimiter.Service
): Effect.Effect<Service, OktaConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const providedAuth = yield* Effect.serviceOption(OktaAuth.OktaAuth)
    const settings = yield* OktaConfig.resolve(options, Option.isNone(providedAuth))
    const auth = Option.getOrElse(providedAuth, () => OktaAuth.ssws(Option.getOrThrow(settings.token)))
    // Our trace ids are none of Okta's business: no b3 or traceparent header leaves; the spans stay local.
    const http = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)
    const secret = Option.map(settings.token, Redacted.value)

    const redact = auth.redact
    /** Whatever a server echoes back, our token (or OAuth's access tokens and proofs) never reaches an error message. */
    const scrub = (text: string): string => {
      const withoutToken = Option.match(secret, {
        onNone: () => text,
        onSome: (token) => token.length >= 4 ? text.split(token).join("<redacted>") : text
      })
      return redact === undefined ? withoutToken : redact(withoutToken)
    }

    /** When an operation that starts now must be done: one budget for all its requests, every page included. */
    const deadlineFromNow = Effect.map(
      Clock.currentTimeMillis,
      (now) => now + Duration.toMillis(settings.operationDeadline)
    )

    const execute = Execute.make(settings, auth, http, limiter, scrub)

    const one = <A>(call: Call, decoder: Response.Decoder<A>): Effect.Effect<A, OktaError> =>
      Effect.flatMap(
        deadlineFromNow,
        (deadline) =>
          Effect.flatMap(
            execute(call, deadline),
            (answered) => Response.decode(call.operation, decoder, answered, scrub)
          )
      )

    const all = <A>(
      call: Call,
      decoder: Response.Decoder<ReadonlyArray<A>>,
      bound?: { readonly maxItems: number; readonly reason: string }
    ): Effect.Effect<Listing<A>, OktaError> =>
      Effect.gen(function*() {
        const deadline = yield* deadlineFromNow
        const walk = Pagination.start(settings.origin, settings.maxPages, call.url)
        const items: Array<A> = []
        let url = call.url
        while (true) {
          const page = { ...call, url }
          const answered = yield* execute(page, deadline)
          for (const item of yield* Response.decode(page.operation, decoder, answered, scrub)) {
            items.push(item)
          }
          const next = Pagination.next(walk, answered.headers["link"])
          if (next._tag === "Done") {
            return { items, complete: true }
          }
          if (bound !== undefined && items.length >= bound.maxItems && next._tag === "Follow") {
            const reason = bound.reason
            yield* Effect.logWarning("Okta listing is incomplete").pipe(
              Effect.annotateLogs({ operation: call.operation, reason, items: items.length })
            )
            return { items, complete: false, incompleteReason: reason }
          }
          if (next._tag === "Stop") {
            yield* Effect.logWarning("Okta listing is incomplete").pipe(
              Effect.annotateLogs({ operation: call.operation, reason: next.reason, items: items.length })
            )
            return { items, complete: false, incompleteReason: next.reason }
          }
          url = next.url
        }
      })

    /** A call on `/api/v1/users/{segment}{suffix}`, or `OktaNotFound` without a request for an unusable segment. */
    const userCall = (template: string, segment: string, suffix: string): Effect.Effect<Call, OktaNotFound> => {
      const encoded = encodePathSegment(segment)
      if (encoded === undefined) {
        return Effect.fail(
          new OktaNotFound({
            operation: `GET ${template}`,
            errorSummary: "an empty, \".\" or \"..\" (or malformed) id or login names no user; nothing was requested"
          })
        )
      }
      const path = `/api/v1/users/${encoded}${suffix}`
      return Effect.succeed({
        url: new URL(settings.origin + path),
        bucket: RateLimiter.bucket("GET", template),
        operation: `GET ${path}`
      })
    }

    return OktaClient.of({
      getUser: (idOrLogin) =>
        userCall(Endpoint.user, idOrLogin, "").pipe(
          Effect.flatMap((call) => one(call, decodeUser)),
          tracedGetUser
        ),
      findUsersByEmail: (email) => {
        const url = new URL(settings.origin + Endpoint.users)
        url.searchParams.set("search", emailSearch(email))
        url.searchParams.set("limit", "200")
        return all(
          { url, bucket: RateLimiter.bucket("GET", Endpoint.users), operation: "GET /api/v1/users?search" },
          decodeUsers
        ).pipe(tracedFindUsersByEmail)
      },
      listUserGroups: (userId, options) =>
        userCall(Endpoint.userGroups, userId, "/groups").pipe(
          Effect.flatMap((call) => all(call, options?.keepRaw === false ? decodeGroupsWithoutRaw : decodeGroups)),
          tracedListUserGroups
        ),
      listFactors: (userId) =>
        userCall(Endpoint.userFactors, userId, "/factors").pipe(
          Effect.flatMap((call) => one(call, decodeFactors)),
          tracedListFactors
        ),
      listRoles: (userId) =>
        userCall(Endpoint.userRoles, userId, "/roles").pipe(
          Effect.flatMap((call) => one(call, decodeRoles)),
          tracedListRoles
        ),
      listLogEvents: (userId, options) =>
        Effect.gen(function*() {
          const maxEvents = options.maxEvents ?? defaultMaxLogEvents
          if (!Number.isInteger(maxEvents) || maxEvents < 1) {
            return yield* Effect.dieMessage(
              `listLogEvents: maxEvents must be an integer of at least 1, got ${maxEvents}`
            )
          }
          const now = yield* Clock.currentTimeMillis
          const until = new Date(now)
          const since = DateTime.toDateUtc(OktaLogEvent.sinceOf(options.window, until))
          const url = new URL(settings.origin + Endpoint.logs)
          url.searchParams.set("filter", OktaLogEvent.filterFor(userId))
          url.searchParams.set("since", since.toISOString())
          // With `until`, the query is bounded: Okta ends it with a page without a `next` link (a polling query
          // without `until` always has one).
          url.searchParams.set("until", until.toISOString())
          url.searchParams.set("sortOrder", "DESCENDING")
          const pageSize = options.pageSize === undefined || !Number.isInteger(options.pageSize)
            ? maxEvents
            : Math.max(1, options.pageSize)
          url.searchParams.set("limit", String(Math.min(pageSize, OktaLogEvent.maxPageSize)))
          const listing = yield* all(
            { url, bucket: RateLimiter.bucket("GET", Endpoint.logs), operation: "GET /api/v1/logs?filter" },
            decodeLogPage,
            { maxItems: maxEvents, reason: boundReason(maxEvents) }
          )
          if (listing.items.length <= maxEvents) return { ...listing, since, until }
          // The last page went past the bound: what is kept is the newest `maxEvents`, and older ones were read but
          // are dropped, so the read is incomplete all the same.
          return {
            items: listing.items.slice(0, maxEvents),
            complete: false,
            incompleteReason: boundReason(maxEvents),
            since,
            until
          }
        }).pipe(tracedListLogEvents),
      stats: limiter.stats,
      hasScope: (scope) => OktaAuth.hasScope(auth, scope),
      auth,
      sample: Effect.suspend(() => {
        const url = new URL(settings.origin + Endpoint.users)
        url.searchParams.set("limit", "1")
        return one(
          { url, bucket: RateLimiter.bucket("GET", Endpoint.users), operation: "GET /api/v1/users" },
          decodeUsers
        )
      })
    })
  })

/**
 * Builds the client. Fails with an `OktaConfigError` naming the variable when the domain or token is unusable.
 * Authentication is `OktaAuth` when provided, else `Authorization: SSWS <token>`. The `RateLimiter` in the context is
 * used (and shared) when there is one; otherwise the client builds its own from `maxConcurrency` and `rateLimit`.
 */
export const make = (
  options: Options
): Effect.Effect<Service, OktaConfigError, HttpClient.HttpClient | Scope.Scope> =>
  Effect.flatMap(Effect.serviceOption(RateLimiter.RateLimiter), (shared) =>
    Option.match(shared, {
      onSome: (limiter) => makeWith(options, limiter),
      onNone: () => Effect.flatMap(RateLimiter.make(rateLimitOptions(options)), (limiter) => makeWith(options, limiter))
    }))

/**
 * The client as a layer over a `RateLimiter` it requires: provide one `RateLimiter.layer(...)` to several clients of
 * the same org so they pace together (like `NodeHttpClient.layerWithoutAgent`, which requires its agent). Fails with
 * `OktaConfigError` when the options are unusable.
 */
export const layerWithoutRateLimiter = (
  options: Options
): Layer.Layer<OktaClient, OktaConfigError, HttpClient.HttpClient | RateLimiter.RateLimiter> =>
  Layer.effect(OktaClient, Effect.flatMap(RateLimiter.RateLimiter, (limiter) => makeWith(options, limiter)))

/**
 * The client as a layer, with its own rate limiter (built from `maxConcurrency` and `rateLimit`). Requires only an
 * `HttpClient` (e.g. `NodeHttpClient.layerUndici` or `FetchHttpClient.layer`). Fails with `OktaConfigError` when the
 * options are unusable.
 */
export const layer = (options: Options): Layer.Layer<OktaClient, OktaConfigError, HttpClient.HttpClient> =>
  layerWithoutRateLimiter(options).pipe(Layer.provide(RateLimiter.layer(rateLimitOptions(options))))

/**
 * The client configured from `Config`s, as `@effect/sql-pg`'s `layerConfig` is: by default `OKTA_DOMAIN` and
 * `OKTA_API_TOKEN` from the environment, or e.g. `{ domain: Config.string("OKTA_DOMAIN"), token:
 * Config.redacted("MY_TOKEN"), maxRetries: 5 }`. A missing or malformed variable fails with an `OktaConfigError`
 * naming it. Requires only an `HttpClient`; the client gets its own rate limiter.
 */
export const layerConfig = (
  options: Config.Config.Wrap<Options> = OktaConfig.config
): Layer.Layer<OktaClient, OktaConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(OktaConfig.load(options), layer))
