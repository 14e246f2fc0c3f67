/**
 * The Okta client: the few Okta management API operations account enrichment needs, over `HttpClient`, with
 * pagination, rate-limit pacing and bounded retries.
 *
 * Every request carries `Accept: application/json`, `User-Agent: enrich/<version>` and a timeout; every path segment
 * is percent-encoded, so no indicator can change the path that is requested; the email search escapes `\` and `"`,
 * so no indicator can add a clause to the search. Requests go through the {@link RateLimiter.RateLimiter} (pacing
 * per bucket, in-flight cap). 429s wait for the reset (Okta's clock) plus jitter; 5xx, network errors and timeouts
 * are retried with capped, jittered exponential backoff; other 4xx are never retried.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as OktaAuth from "./OktaAuth.js"
import * as OktaConfig from "./OktaConfig.js"
import type { OktaConfigError, OktaError } from "./OktaError.js"
import {
  OktaBadRequest,
  OktaForbidden,
  OktaInvalidResponse,
  OktaNotFound,
  OktaRateLimited,
  OktaTransient,
  OktaUnauthorized
} from "./OktaError.js"
import { OktaErrorBody, OktaFactor, OktaGroup, OktaRoleAssignment, OktaUser } from "./OktaResources.js"
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

/** The Okta operations enrichment uses. */
export interface Service {
  /** `GET /api/v1/users/{idOrLogin}`: a user by id, login or unambiguous short name. 404 is `OktaNotFound`. */
  readonly getUser: (idOrLogin: string) => Effect.Effect<OktaUser, OktaError>
  /** `GET /api/v1/users?search=profile.email eq "…"`: every user with that email (DEPROVISIONED included). */
  readonly findUsersByEmail: (email: string) => Effect.Effect<Listing<OktaUser>, OktaError>
  /** `GET /api/v1/users/{id}/groups`, every page. */
  readonly listUserGroups: (userId: string) => Effect.Effect<Listing<OktaGroup>, OktaError>
  /** `GET /api/v1/users/{userId}/factors`. */
  readonly listFactors: (userId: string) => Effect.Effect<ReadonlyArray<OktaFactor>, OktaError>
  /** `GET /api/v1/users/{userId}/roles`, including roles assigned through groups. */
  readonly listRoles: (userId: string) => Effect.Effect<ReadonlyArray<OktaRoleAssignment>, OktaError>
  /**
   * The rate-limit state and counters (requests, 429s, retries, waits, time waited) since the client was built.
   * Present on the HTTP client; in-memory fakes may omit it.
   */
  readonly stats?: Effect.Effect<RateLimiter.Stats>
}

/** The Okta client service. */
export class OktaClient extends Context.Tag("@enrich/okta/OktaClient")<OktaClient, Service>() {}

/** Options of the client: see {@link OktaConfig.Options}. */
export type Options = OktaConfig.Options

/** The endpoint templates, which are also the rate-limit buckets (with the method). */
export const Endpoint = {
  user: "/api/v1/users/{id}",
  users: "/api/v1/users",
  userGroups: "/api/v1/users/{id}/groups",
  userFactors: "/api/v1/users/{id}/factors",
  userRoles: "/api/v1/users/{id}/roles"
} as const

/**
 * Percent-encodes one path segment, so `/`, `?`, `#`, `%` and control characters stay inside it. Dot segments and
 * the empty segment, which URL parsing would remove or collapse whatever their encoding, are refused (`undefined`).
 */
export const encodePathSegment = (segment: string): string | undefined => {
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

/** A request on its way: where it goes, which bucket it counts against, how errors name it. */
interface Call {
  readonly url: URL
  readonly bucket: string
  readonly operation: string
}

/** What came back from one attempt. */
interface Answered {
  readonly status: number
  readonly headers: Headers.Headers
  readonly text: string
}

/** The request did not get an answer (network error or timeout). */
class Unanswered extends Data.TaggedError("Unanswered")<{ readonly reason: string }> {}

const TRANSIENT_STATUS = new Set([500, 502, 503, 504])

const headerOf = (headers: Headers.Headers, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" && value !== "" ? value : undefined
}

/** `a.b[0].c: message` for each issue of a decode failure, so the error says which field. */
const describeParseError = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 3).map((issue) => {
    const path = issue.path.map((key) => typeof key === "number" ? `[${key}]` : `.${String(key)}`).join("")
    return `${path === "" ? "(body)" : path.replace(/^\./, "")}: ${issue.message}`
  }).join("; ")

/** The scope named by `WWW-Authenticate: ... error="insufficient_scope", scope="okta.users.read"`. */
const missingScope = (headers: Headers.Headers): string | undefined => {
  const value = headerOf(headers, "www-authenticate")
  if (value === undefined) return undefined
  return /(?:^|[\s,])scope="([^"]*)"/.exec(value)?.[1]
}

/** The `code` (e.g. `ECONNREFUSED`) and innermost useful message along an error's `cause` chain (bounded). */
const causeChain = (error: unknown): { readonly code?: string; readonly message?: string } => {
  let code: string | undefined
  let message: string | undefined
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const { cause, code: c, message: m } = current as { cause?: unknown; code?: unknown; message?: unknown }
    if (code === undefined && typeof c === "string" && c !== "") code = c
    // Wrappers such as undici's "fetch failed" say less than what they wrap, so the innermost message wins.
    if (typeof m === "string" && m !== "") message = m
    current = cause
  }
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) }
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT"
])

const isCertificateCode = (code: string) => /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/.test(code)

/**
 * What a transport error means for the person running enrich: which host could not be reached, the low-level code
 * (found anywhere in the `cause` chain: undici nests it two levels deep) and what to check.
 */
const describeTransport = (
  error: {
    readonly _tag: "RequestError" | "ResponseError"
    readonly reason: string
    readonly description?: string | undefined
    readonly cause?: unknown
  },
  host: string
): string => {
  const { code, message } = causeChain(error.cause)
  const detail = [code, message !== undefined && (code === undefined || !message.includes(code)) ? message : undefined]
    .filter((part): part is string => part !== undefined)
    .join(": ") || error.description || error.reason
  if (code !== undefined && isCertificateCode(code)) {
    return `TLS certificate of ${host} not accepted: ${detail} (check OKTA_DOMAIN; behind a TLS-intercepting proxy, ` +
      `set NODE_EXTRA_CA_CERTS)`
  }
  // fetch refuses some ports outright ("bad port") before connecting: also a wrong OKTA_DOMAIN.
  if (error._tag === "RequestError" && (code !== undefined ? CONNECT_CODES.has(code) : message === "bad port")) {
    return `cannot connect to ${host}: ${detail} (check OKTA_DOMAIN and the network path to it)`
  }
  const what = error._tag === "RequestError" ? "talking to" : "reading the response from"
  return `network error ${what} ${host}: ${detail}`
}

const toDate = (millis: number) => DateTime.unsafeMake(millis)

/** A body decoder, compiled once: building a Schema (and its parser) per call is measurable per-request work. */
type Decoder<A> = (input: unknown) => Either.Either<A, ParseResult.ParseIssue>

const decodeUser: Decoder<OktaUser> = ParseResult.decodeUnknownEither(OktaUser)
const decodeUsers: Decoder<ReadonlyArray<OktaUser>> = ParseResult.decodeUnknownEither(Schema.Array(OktaUser))
const decodeGroups: Decoder<ReadonlyArray<OktaGroup>> = ParseResult.decodeUnknownEither(Schema.Array(OktaGroup))
const decodeFactors: Decoder<ReadonlyArray<OktaFactor>> = ParseResult.decodeUnknownEither(Schema.Array(OktaFactor))
const decodeRoles: Decoder<ReadonlyArray<OktaRoleAssignment>> = ParseResult.decodeUnknownEither(
  Schema.Array(OktaRoleAssignment)
)
const decodeErrorBody = ParseResult.decodeUnknownOption(OktaErrorBody)

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

/**
 * Builds the client. Fails with an `OktaConfigError` naming the variable when the domain or token is unusable.
 * Authentication is `OktaAuth` when provided, else `Authorization: SSWS <token>`.
 */
export const make = (
  options: Options
): Effect.Effect<Service, OktaConfigError, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const providedAuth = yield* Effect.serviceOption(OktaAuth.OktaAuth)
    const settings = yield* OktaConfig.resolve(options, Option.isNone(providedAuth))
    const auth = Option.getOrElse(providedAuth, () => OktaAuth.ssws(Option.getOrThrow(settings.token)))
    const http = yield* HttpClient.HttpClient
    const limiter = yield* RateLimiter.make(settings.rateLimit)
    const secret = Option.map(settings.token, Redacted.value)

    /** Whatever a server echoes back, our token never reaches an error message. */
    const scrub = (text: string): string =>
      Option.match(secret, {
        onNone: () => text,
        onSome: (token) => token.length >= 4 ? text.split(token).join("<redacted>") : text
      })

    const timeoutText = `timeout after ${Duration.format(settings.timeout)}`

    const limitText = `${settings.maxResponseBytes} bytes (maxResponseBytes)`

    /**
     * The body as text, read chunk by chunk with a running count: past `maxResponseBytes` the read stops (the stream
     * is cancelled) and fails with `OktaInvalidResponse`, having held at most the limit plus one chunk.
     */
    const readBody = (
      call: Call,
      response: HttpClientResponse.HttpClientResponse
    ): Effect.Effect<string, OktaInvalidResponse | HttpClientError.ResponseError> =>
      Effect.suspend(() => {
        const tooLarge = (size: string) =>
          new OktaInvalidResponse({
            operation: call.operation,
            problem: `response body larger than ${limitText}: ${size}`,
            requestId: headerOf(response.headers, "x-okta-request-id")
          })
        const length = headerOf(response.headers, "content-length")
        const declared = length === undefined ? NaN : Number(length)
        if (declared > settings.maxResponseBytes) return Effect.fail(tooLarge(`Content-Length ${declared}`))
        // A declared length within the limit bounds the body already (the HTTP parser reads exactly that much):
        // read it in one go, which costs far less than pulling a Stream chunk by chunk.
        if (Number.isSafeInteger(declared) && declared >= 0 && response.headers["content-encoding"] === undefined) {
          return response.text
        }
        const decoder = new TextDecoder()
        let size = 0
        let text = ""
        return response.stream.pipe(
          Stream.runForEach((chunk) => {
            size += chunk.byteLength
            if (size > settings.maxResponseBytes) return Effect.fail(tooLarge(`at least ${size} bytes sent`))
            text += decoder.decode(chunk, { stream: true })
            return Effect.void
          }),
          Effect.map(() => text + decoder.decode()),
          Effect.catchIf(
            (error) => error._tag === "ResponseError" && error.reason === "EmptyBody",
            () => Effect.succeed("")
          )
        )
      })

    const attempt = (
      request: HttpClientRequest.HttpClientRequest,
      call: Call
    ): Effect.Effect<Answered, Unanswered | OktaError> =>
      auth.authenticate(request).pipe(
        Effect.flatMap(http.execute),
        Effect.flatMap((response) =>
          Effect.map(
            readBody(call, response),
            (text): Answered => ({ status: response.status, headers: response.headers, text })
          )
        ),
        Effect.catchTag(
          "RequestError",
          "ResponseError",
          (error) => Effect.fail(new Unanswered({ reason: scrub(describeTransport(error, call.url.host)) }))
        ),
        Effect.timeoutFail({
          duration: settings.timeout,
          onTimeout: () => new Unanswered({ reason: timeoutText })
        })
      )

    const details = (call: Call, answered: Answered) => {
      let body: OktaErrorBody | undefined
      try {
        body = Option.getOrUndefined(decodeErrorBody(JSON.parse(answered.text)))
      } catch {
        body = undefined
      }
      return {
        operation: call.operation,
        errorCode: body?.errorCode !== undefined && body.errorCode !== "unknown" ? scrub(body.errorCode) : undefined,
        errorSummary: body?.errorSummary ? scrub(body.errorSummary) : undefined,
        requestId: headerOf(answered.headers, "x-okta-request-id")
      }
    }

    const failureOf = (call: Call, answered: Answered, attempts: number, now: number): OktaError => {
      const d = details(call, answered)
      switch (answered.status) {
        case 401:
          return new OktaUnauthorized(d)
        case 403:
          return new OktaForbidden({ ...d, missingScope: missingScope(answered.headers) })
        case 404:
          return new OktaNotFound(d)
        case 429: {
          const info = RateLimiter.parseHeaders(answered.headers, now)
          const concurrency = info?.limit === 0
          return new OktaRateLimited({
            ...d,
            bucket: concurrency ? RateLimiter.concurrencyBucket : call.bucket,
            resetAt: info === undefined || concurrency ? undefined : toDate(info.resetAt)
          })
        }
      }
      if (answered.status >= 500) {
        return new OktaTransient({ ...d, reason: `HTTP ${answered.status}`, attempts })
      }
      return new OktaBadRequest({ ...d, status: answered.status })
    }

    const backoff = (retry: number) =>
      Effect.gen(function*() {
        const step = Math.min(
          Duration.toMillis(settings.retryBackoffCap),
          Duration.toMillis(settings.retryBackoff) * 2 ** retry
        )
        const half = Math.floor(step / 2)
        return Duration.millis(step - half + (yield* Random.nextIntBetween(0, half + 1)))
      })

    /** When an operation that starts now must be done: one budget for all its requests, every page included. */
    const deadlineFromNow = Effect.map(
      Clock.currentTimeMillis,
      (now) => now + Duration.toMillis(settings.operationDeadline)
    )

    /**
     * Sends one request, with pacing and retries; a retry whose wait would end after the operation's `deadline`
     * (epoch millis) fails at once. Succeeds with a 2xx answer only.
     */
    const execute = (call: Call, deadline: number): Effect.Effect<Answered, OktaError> =>
      Effect.gen(function*() {
        let retry = 0
        let retryFor: string | undefined
        while (true) {
          let request = HttpClientRequest.get(call.url).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.setHeader("user-agent", settings.userAgent)
          )
          if (retry > 0) {
            request = HttpClientRequest.setHeader(request, "x-okta-retry-count", String(retry))
            if (retryFor !== undefined) {
              request = HttpClientRequest.setHeader(request, "x-okta-retry-for", retryFor)
            }
          }
          const result = yield* Effect.either(limiter.run(call.bucket, attempt(request, call)))
          if (result._tag === "Right" && result.right.status >= 200 && result.right.status < 300) {
            return result.right
          }

          // Decide whether, and after how long, to try again.
          let failure: OktaError
          let delay: Option.Option<Duration.Duration> = Option.none()
          const now = yield* Clock.currentTimeMillis
          if (result._tag === "Left") {
            if (result.left._tag !== "Unanswered") {
              return yield* Effect.fail(result.left)
            }
            failure = new OktaTransient({ operation: call.operation, reason: result.left.reason, attempts: retry + 1 })
            if (retry < settings.maxRetries) {
              delay = Option.some(yield* backoff(retry))
            }
          } else {
            const answered = result.right
            failure = failureOf(call, answered, retry + 1, now)
            retryFor = headerOf(answered.headers, "x-okta-request-id") ?? retryFor
            if (retry < settings.maxRetries) {
              if (answered.status === 429) {
                delay = Option.some(yield* limiter.retryDelayAfter429(answered, retry))
              } else if (TRANSIENT_STATUS.has(answered.status)) {
                delay = Option.some(yield* backoff(retry))
              }
            }
          }
          if (Option.isNone(delay) || now + Duration.toMillis(delay.value) > deadline) {
            return yield* Effect.fail(failure)
          }
          yield* Effect.logDebug("Okta request will be retried").pipe(
            Effect.annotateLogs({
              operation: call.operation,
              failure: failure.message,
              retry: retry + 1,
              waitMillis: Duration.toMillis(delay.value)
            })
          )
          yield* limiter.wait(delay.value)
          yield* limiter.recordRetry
          retry++
        }
      })

    const decode = <A>(call: Call, decoder: Decoder<A>, answered: Answered): Effect.Effect<A, OktaError> => {
      const invalid = (problem: string) =>
        new OktaInvalidResponse({
          operation: call.operation,
          problem: scrub(problem),
          requestId: headerOf(answered.headers, "x-okta-request-id")
        })
      let json: unknown
      try {
        json = JSON.parse(answered.text)
      } catch {
        return Effect.fail(invalid(`the body is not JSON (HTTP ${answered.status})`))
      }
      const result = decoder(json)
      return result._tag === "Right"
        ? Effect.succeed(result.right)
        : Effect.fail(invalid(describeParseError(new ParseResult.ParseError({ issue: result.left }))))
    }

    const one = <A>(call: Call, decoder: Decoder<A>): Effect.Effect<A, OktaError> =>
      Effect.flatMap(
        deadlineFromNow,
        (deadline) => Effect.flatMap(execute(call, deadline), (answered) => decode(call, decoder, answered))
      )

    const all = <A>(call: Call, decoder: Decoder<ReadonlyArray<A>>): Effect.Effect<Listing<A>, OktaError> =>
      Effect.gen(function*() {
        const deadline = yield* deadlineFromNow
        const walk = Pagination.start(settings.origin, settings.maxPages, call.url)
        const items: Array<A> = []
        let url = call.url
        while (true) {
          const page = { ...call, url }
          const answered = yield* execute(page, deadline)
          for (const item of yield* decode(page, decoder, answered)) {
            items.push(item)
          }
          const next = Pagination.next(walk, answered.headers["link"])
          if (next._tag === "Done") {
            return { items, complete: true }
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
      listUserGroups: (userId) =>
        userCall(Endpoint.userGroups, userId, "/groups").pipe(
          Effect.flatMap((call) => all(call, decodeGroups)),
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
      stats: limiter.stats
    })
  })

/** The client as a layer. Fails with `OktaConfigError` when the options are unusable. */
export const layer = (options: Options): Layer.Layer<OktaClient, OktaConfigError, HttpClient.HttpClient> =>
  Layer.scoped(OktaClient, make(options))

/**
 * The client configured from a `Config` (by default `OKTA_DOMAIN` and `OKTA_API_TOKEN` from the environment). A
 * missing or malformed variable fails with an `OktaConfigError` naming it.
 */
export const layerConfig = (
  options: Config.Config<Options> = OktaConfig.config
): Layer.Layer<OktaClient, OktaConfigError, HttpClient.HttpClient> =>
  Layer.scoped(OktaClient, Effect.flatMap(OktaConfig.load(options), make))
