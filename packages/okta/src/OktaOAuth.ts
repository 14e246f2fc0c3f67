// Over 350 lines on purpose: the configuration, token cache and DPoP state of one auth service; key loading and JWT
// signing live in internal/oauthKey and internal/oauthJwt.
/**
 * OAuth 2.0 service-app authentication for the Okta client: a `client_credentials` access token obtained with a
 * `private_key_jwt` client assertion, cached until shortly before it expires and refreshed single-flight, optionally
 * bound to a per-process key with DPoP (RFC 9449).
 *
 * It implements the {@link OktaAuth} seam and extends it with what OAuth needs from the client ({@link Service}):
 * `challenge` for 401/403 answers (refresh a revoked token, follow a resource server's DPoP nonce, remember a missing
 * scope) and `grantedScopes`. The access token, the private key, assertions and proofs never appear in a log line,
 * an error or a span attribute (the layer adds the `DPoP` header to the headers `@effect/platform` redacts).
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Jwt from "./internal/oauthJwt.js"
import * as Key from "./internal/oauthKey.js"
import * as OktaAuth from "./OktaAuth.js"
import * as OktaConfig from "./OktaConfig.js"
import { OktaConfigError, OktaInvalidResponse, OktaOAuthError, OktaTransient } from "./OktaError.js"

/** The scope every lookup needs (users, a user's groups and factors). */
export const requiredScope = "okta.users.read"

/** Scopes the enrichment can do without: their fields become `null`. */
export const optionalScopes: ReadonlyArray<string> = ["okta.roles.read", "okta.logs.read"]

/** The default scopes: users and roles, plus logs when recent activity is on. */
export const defaultScopes = (activity: boolean): ReadonlyArray<string> =>
  activity ? [requiredScope, "okta.roles.read", "okta.logs.read"] : [requiredScope, "okta.roles.read"]

/** Signing algorithms of the client assertion. */
export type Algorithm = Key.Algorithm

/** How to reach the org's token endpoint and prove to be the service app. */
export interface Options {
  /** `OKTA_DOMAIN` (or the SDK's `OKTA_CLIENT_ORGURL`); the token URL is `{origin}/oauth2/v1/token`. */
  readonly domain: string
  /** `OKTA_CLIENT_ID`: the service app's client id. */
  readonly clientId: string
  /** `OKTA_PRIVATE_KEY`: a PEM (PKCS#8, PKCS#1 RSA, SEC1 EC) or a private JWK, inline or `@path/to/file`. */
  readonly privateKey: Redacted.Redacted<string>
  /** `OKTA_KEY_ID`: the key's `kid` in Okta; defaults to the JWK's `kid`. */
  readonly keyId?: string | undefined
  /** The assertion's algorithm (RSA keys: RS256 by default); defaults to the JWK's `alg` or the EC curve's. */
  readonly algorithm?: Algorithm | undefined
  /** `OKTA_SCOPES`: the scopes asked for (default {@link defaultScopes}). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Whether recent activity is on, which adds `okta.logs.read` to the default scopes. */
  readonly activity?: boolean | undefined
  /** `OKTA_DPOP=true`: use DPoP from the first request (otherwise only once the token endpoint asks for it). */
  readonly dpop?: boolean | undefined
  /** Refresh this long before expiry (default: 60 seconds, or 10% of the token's lifetime when that is shorter). */
  readonly refreshBefore?: Duration.DurationInput | undefined
  /** The variables the options were read from, so errors name what the user set (e.g. `OKTA_CLIENT_PRIVATEKEY`). */
  readonly variables?: { readonly privateKey?: string | undefined; readonly keyId?: string | undefined } | undefined
}

/**
 * Okta's token endpoint refused the service app (`invalid_client`, `invalid_scope`, ...): one of the
 * `OktaError`s, so this service can be provided as the client's `OktaAuth` directly.
 */
export { OktaOAuthError } from "./OktaError.js"

/** Any failure of getting an access token. */
export type TokenError = OktaOAuthError | OktaTransient | OktaInvalidResponse

/** What the client reports of an answer to {@link Service.challenge}. */
export type Answer = OktaAuth.Answer

/**
 * The OAuth service: an {@link OktaAuth.Service} with every optional member present. The client (`OktaClient`):
 * - calls `authenticate` on each final request (each attempt: a DPoP proof is single-use);
 * - on every 401 or 403 answer, calls `challenge(request, answer)`; on `"retry"` sends the request again once (through
 *   `authenticate` again), on `"fail"` or a second 401/403 fails as before.
 */
export interface Service extends OktaAuth.Service {
  /** `Bearer` or `DPoP`: the scheme in use now (DPoP once the token endpoint asked for it). */
  readonly scheme: string
  readonly authenticate: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest, TokenError>
  /**
   * Reads a 401/403 answer: a DPoP nonce challenge (`WWW-Authenticate: DPoP error="use_dpop_nonce"` + `DPoP-Nonce`)
   * or a refused token (revoked early: the token is dropped and the next `authenticate` gets a new one) answer
   * `"retry"`; a 403 `insufficient_scope` records the missing scope (see `missingScopes`) and answers `"fail"`.
   */
  readonly challenge: (
    request: HttpClientRequest.HttpClientRequest,
    answer: Answer
  ) => Effect.Effect<"retry" | "fail">
  /** The scopes Okta granted (the token response's `scope`), without those a 403 said are missing. */
  readonly grantedScopes: Effect.Effect<ReadonlySet<string>, TokenError>
  /**
   * Scopes known to be missing so far: asked for but not granted by the last token response (or dropped after
   * `invalid_scope`), or refused by a resource server with 403 `insufficient_scope`.
   */
  readonly missingScopes: Effect.Effect<ReadonlySet<string>>
  /** Removes the access tokens issued lately and anything JWT-shaped (proofs) from a text a server sent back. */
  readonly redact: (text: string) => string
}

/** The OAuth service itself (also provided as {@link OktaAuth.OktaAuth} by {@link layer}). */
export class OktaOAuth extends Context.Tag("@enrich/okta/OktaOAuth")<OktaOAuth, Service>() {}

const TokenResponse = Schema.Struct({
  token_type: Schema.String,
  access_token: Schema.String,
  expires_in: Schema.Number,
  scope: Schema.optional(Schema.String)
})

const ErrorResponse = Schema.Struct({ error: Schema.String, error_description: Schema.optional(Schema.String) })

const decodeToken = Schema.decodeUnknownEither(Schema.parseJson(TokenResponse))
const decodeError = Schema.decodeUnknownOption(Schema.parseJson(ErrorResponse))

interface Token {
  readonly value: Redacted.Redacted<string>
  readonly type: "Bearer" | "DPoP"
  readonly refreshAt: number
  readonly scopes: ReadonlySet<string>
  /** The DPoP `ath` of the token, computed once. */
  readonly ath: string
}

interface TokenState {
  readonly token: Option.Option<Token>
  readonly flight: Option.Option<Deferred.Deferred<Token, TokenError>>
}

const operation = "POST /oauth2/v1/token"

/** Anything shaped like a JWT (an access token, an assertion, a DPoP proof). */
const jwtShaped = /eyJ[\w-]*\.[\w-]*\.?[\w-]*/g

/** Okta's descriptions do not echo credentials, but nothing JWT- or token-shaped is passed on in any case. */
const scrub = (text: string): string =>
  text.replace(jwtShaped, "[redacted]").replace(/[\w-]{40,}/g, "[redacted]").slice(0, 300)

const headerOf = (headers: Headers.Headers, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" && value !== "" ? value : undefined
}

const splitScopes = (text: string): ReadonlyArray<string> => text.split(/[\s,]+/).filter((scope) => scope !== "")

/**
 * Builds the OAuth service: loads and checks the key now (an {@link OktaConfigError} naming the variable at
 * start-up), gets the first token at the first request.
 */
export const make = (
  options: Options
): Effect.Effect<Service, OktaConfigError, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const origin = yield* Either.match(OktaConfig.parseDomain(options.domain), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    const tokenUrl = `${origin}/oauth2/v1/token`
    if (options.clientId.trim() === "") {
      return yield* new OktaConfigError({ variable: "OKTA_CLIENT_ID", reason: "is empty; set the service app's id" })
    }
    const clientId = options.clientId.trim()
    const key = yield* Key.load({
      privateKey: options.privateKey,
      keyId: options.keyId === undefined || options.keyId.trim() === "" ? undefined : options.keyId.trim(),
      algorithm: options.algorithm,
      variable: options.variables?.privateKey ?? "OKTA_PRIVATE_KEY",
      keyIdVariable: options.variables?.keyId ?? "OKTA_KEY_ID"
    })
    const requested = options.scopes !== undefined && options.scopes.length > 0 ?
      [...new Set(options.scopes)] :
      defaultScopes(options.activity ?? false)
    if (!requested.includes(requiredScope)) {
      return yield* new OktaConfigError({
        variable: "OKTA_SCOPES",
        reason: `must include ${requiredScope}, which every lookup needs (got: ${requested.join(" ")})`
      })
    }
    const refreshBefore = Option.map(Option.fromNullable(options.refreshBefore), Duration.toMillis)
    const scope = yield* Effect.scope

    const dpopKey = yield* Effect.cached(Jwt.generateDpopKey)
    const dpopOn = yield* Ref.make(options.dpop === true)
    const tokenNonce = yield* Ref.make<string | undefined>(undefined)
    const resourceNonce = yield* Ref.make<string | undefined>(undefined)
    const askFor = yield* Ref.make<ReadonlyArray<string>>(requested)
    const missing = yield* Ref.make<ReadonlySet<string>>(new Set())
    /** Scopes asked for at start-up that the last token response did not grant. */
    const notGranted = yield* Ref.make<ReadonlySet<string>>(new Set())
    /** The cached token and the token request in flight, in one Ref so that checking and joining are atomic. */
    const state = yield* Ref.make<TokenState>({ token: Option.none(), flight: Option.none() })
    let scheme: "Bearer" | "DPoP" = options.dpop === true ? "DPoP" : "Bearer"
    /**
     * The access tokens issued lately (the last few: a request sent with the previous one may answer after a
     * refresh), for {@link OktaAuth.Service.redact}. Read synchronously: scrubbing an error message runs no effect.
     */
    const issued: Array<string> = []

    const oauthError = (status: number, error: string, description: string | undefined, requestId?: string) =>
      new OktaOAuthError({
        error: scrub(error),
        status,
        description: description === undefined ? undefined : scrub(description),
        requestId
      })

    /** One POST to the token endpoint, with a fresh assertion (and a fresh proof when DPoP is on). */
    const post = (scopes: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const clientAssertion = yield* Jwt.assertion({ key, clientId, tokenUrl, nowMillis: now })
        let request = HttpClientRequest.post(tokenUrl).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUrlParams({
            grant_type: "client_credentials",
            scope: scopes.join(" "),
            client_assertion_type: Jwt.assertionType,
            client_assertion: clientAssertion
          })
        )
        const dpop = yield* Ref.get(dpopOn)
        if (dpop) {
          const proof = yield* Jwt.proof({
            key: yield* dpopKey,
            method: "POST",
            url: tokenUrl,
            nowMillis: now,
            nonce: yield* Ref.get(tokenNonce),
            accessToken: undefined
          })
          request = HttpClientRequest.setHeader(request, "dpop", proof)
        }
        const response = yield* http.execute(request)
        const text = yield* response.text
        const nonce = headerOf(response.headers, "dpop-nonce")
        if (nonce !== undefined) yield* Ref.set(tokenNonce, nonce)
        return { status: response.status, headers: response.headers, text, dpop, nonce, now }
      }).pipe(
        Effect.catchTags({
          RequestError: (error) =>
            Effect.fail(new OktaTransient({ operation, reason: `cannot reach the token endpoint (${error.reason})` })),
          ResponseError: (error) =>
            Effect.fail(
              new OktaTransient({ operation, reason: `broken answer from the token endpoint (${error.reason})` })
            )
        })
      )

    /** The token request with its bounded dances: DPoP required, DPoP nonce, scopes not granted. */
    const fetchToken: Effect.Effect<Token, TokenError> = Effect.gen(function*() {
      let dpopAsked = false
      let nonceAsked = false
      for (let round = 0; round < 2 + 2 + optionalScopes.length; round++) {
        const scopes = yield* Ref.get(askFor)
        const answer = yield* post(scopes)
        const requestId = headerOf(answer.headers, "x-okta-request-id")
        if (answer.status === 200) {
          const body = decodeToken(answer.text)
          if (Either.isLeft(body)) {
            return yield* new OktaInvalidResponse({ operation, requestId, problem: "not a token response" })
          }
          const type = body.right.token_type.toLowerCase() === "dpop" ? "DPoP" : "Bearer"
          if (type === "DPoP" && !answer.dpop) {
            return yield* new OktaInvalidResponse({ operation, requestId, problem: "a DPoP token without a proof" })
          }
          scheme = type
          const lifetime = Math.max(0, body.right.expires_in) * 1000
          const early = Option.getOrElse(refreshBefore, () => Math.min(60_000, lifetime / 10))
          const granted = body.right.scope === undefined ? scopes : splitScopes(body.right.scope)
          const lacking = requested.filter((s) => !granted.includes(s))
          const known = yield* Ref.get(notGranted)
          // Scopes dropped after `invalid_scope` were warned about already; warn about those asked for now.
          const fresh = scopes.filter((s) => !granted.includes(s) && !known.has(s))
          yield* Ref.set(notGranted, new Set(lacking))
          if (fresh.length > 0 && body.right.scope !== undefined) {
            yield* Effect.logWarning(
              `Okta did not grant the service app the scope(s) ${fresh.join(", ")}; the fields that need them will ` +
                "be null. Grant them under the app's Okta API Scopes."
            )
          }
          issued.push(body.right.access_token)
          if (issued.length > 4) issued.shift()
          return {
            value: Redacted.make(body.right.access_token),
            ath: type === "DPoP" ? Jwt.ath(body.right.access_token) : "",
            type,
            refreshAt: answer.now + lifetime - early,
            scopes: new Set(granted)
          }
        }
        const error = decodeError(answer.text)
        if (answer.status >= 500 || answer.status === 429 || Option.isNone(error)) {
          return yield* new OktaTransient({ operation, requestId, reason: `HTTP ${answer.status}` })
        }
        const { error: code, error_description: description } = error.value
        if (code === "use_dpop_nonce" && answer.nonce !== undefined && !nonceAsked) {
          nonceAsked = true
          yield* Ref.set(dpopOn, true)
          continue
        }
        if (code === "invalid_dpop_proof" && !answer.dpop && !dpopAsked) {
          dpopAsked = true
          yield* Ref.set(dpopOn, true)
          continue
        }
        if (code === "invalid_scope") {
          const named = splitScopes(description ?? "").filter((s) => scopes.includes(s))
          const droppable = scopes.filter((s) => optionalScopes.includes(s))
          const drop = named.length > 0 ? named : droppable
          if (!drop.includes(requiredScope) && drop.length > 0 && drop.every((s) => optionalScopes.includes(s))) {
            yield* Effect.logWarning(
              `Okta did not grant the service app the scope(s) ${drop.join(", ")}; the fields that need them will ` +
                "be null. Grant them under the app's Okta API Scopes, or leave them out of OKTA_SCOPES."
            )
            yield* Ref.set(askFor, scopes.filter((s) => !drop.includes(s)))
            continue
          }
          return yield* oauthError(answer.status, code, description, requestId)
        }
        return yield* oauthError(answer.status, code, description, requestId)
      }
      return yield* oauthError(400, "invalid_request", "the token endpoint kept asking for another attempt")
    })

    /** The current token, or one fresh token shared by every caller that needs it (single-flight). */
    const token: Effect.Effect<Token, TokenError> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const cached = (yield* Ref.get(state)).token
      if (Option.isSome(cached) && now < cached.value.refreshAt) return cached.value
      const mine = yield* Deferred.make<Token, TokenError>()
      const next = yield* Ref.modify(
        state,
        (s): readonly [Token | Deferred.Deferred<Token, TokenError>, TokenState] => {
          if (Option.isSome(s.token) && now < s.token.value.refreshAt) return [s.token.value, s]
          if (Option.isSome(s.flight)) return [s.flight.value, s]
          return [mine, { ...s, flight: Option.some(mine) }]
        }
      )
      if (next !== mine) return Deferred.DeferredTypeId in next ? yield* Deferred.await(next) : next
      // The request runs in the layer's scope: a caller that is interrupted does not strand the others.
      yield* fetchToken.pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.zipRight(
            Ref.update(state, (s) => ({
              token: exit._tag === "Success" ? Option.some(exit.value) : s.token,
              flight: Option.none()
            })),
            Deferred.done(mine, exit)
          )
        ),
        Effect.forkIn(scope)
      )
      return yield* Deferred.await(mine)
    })

    const presentedToken = (request: HttpClientRequest.HttpClientRequest): string | undefined =>
      /^(?:Bearer|DPoP) (.+)$/i.exec(request.headers["authorization"] ?? "")?.[1]

    const authenticate = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.gen(function*() {
        const fresh = yield* token
        const value = Redacted.value(fresh.value)
        if (fresh.type === "Bearer") return HttpClientRequest.setHeader(request, "authorization", `Bearer ${value}`)
        const proof = yield* Jwt.proof({
          key: yield* dpopKey,
          method: request.method,
          url: request.url,
          nowMillis: yield* Clock.currentTimeMillis,
          nonce: yield* Ref.get(resourceNonce),
          accessToken: value,
          accessTokenHash: fresh.ath
        })
        return HttpClientRequest.setHeaders(request, { authorization: `DPoP ${value}`, dpop: proof })
      })

    const challenge = (request: HttpClientRequest.HttpClientRequest, answer: Answer) =>
      Effect.gen(function*() {
        const nonce = headerOf(answer.headers, "dpop-nonce")
        if (nonce !== undefined) yield* Ref.set(resourceNonce, nonce)
        const wwwAuthenticate = headerOf(answer.headers, "www-authenticate") ?? ""
        if (answer.status === 401) {
          if (/error="use_dpop_nonce"/.test(wwwAuthenticate)) return nonce === undefined ? "fail" : "retry"
          // A token refused before its time (revoked): drop it unless a concurrent caller already replaced it.
          const presented = presentedToken(request)
          yield* Ref.update(state, (s) =>
            Option.isSome(s.token) && Redacted.value(s.token.value.value) === presented ?
              { ...s, token: Option.none() } :
              s)
          return presented === undefined ? "fail" : "retry"
        }
        if (answer.status === 403 && /error="insufficient_scope"/.test(wwwAuthenticate)) {
          const scopeNamed = /(?:^|[\s,])scope="([^"]*)"/.exec(wwwAuthenticate)?.[1]
          if (scopeNamed !== undefined) {
            const known = yield* Ref.get(missing)
            const fresh = splitScopes(scopeNamed).filter((s) => !known.has(s))
            if (fresh.length > 0) {
              yield* Ref.set(missing, new Set([...known, ...fresh]))
              yield* Effect.logWarning(
                `Okta refused a request for lack of the scope ${fresh.join(", ")}; the fields that need it will be ` +
                  "null. Grant it under the service app's Okta API Scopes."
              )
            }
          }
        }
        return "fail" as const
      })

    return {
      get scheme() {
        return scheme
      },
      authenticate,
      challenge,
      redact: (text) => {
        let out = text
        for (const value of issued) if (value.length >= 4) out = out.split(value).join("<redacted>")
        // DPoP proofs and assertions are JWTs: nothing JWT-shaped a server echoes is passed on either.
        return out.replace(jwtShaped, "<redacted>")
      },
      grantedScopes: Effect.gen(function*() {
        const granted = (yield* token).scopes
        const refused = yield* Ref.get(missing)
        return new Set([...granted].filter((s) => !refused.has(s)))
      }),
      missingScopes: Effect.map(
        Effect.zip(Ref.get(notGranted), Ref.get(missing)),
        ([lacking, refused]) => new Set([...lacking, ...refused])
      )
    } satisfies Service
  })

/**
 * The {@link OktaAuth.Service} view of the OAuth service: the service itself, since `OktaError` includes
 * {@link OktaOAuthError}.
 */
export const toOktaAuth = (service: Service): OktaAuth.Service => service

/** Keeps DPoP proofs out of the request headers `@effect/platform` records on spans. */
const redactDpopHeader = Layer.fiberRefLocallyScopedWith(
  Headers.currentRedactedNames,
  (names) => names.includes("dpop") ? names : [...names, "dpop"]
)

/**
 * Provides {@link OktaOAuth} and {@link OktaAuth.OktaAuth}. Fails to build with an {@link OktaConfigError} naming the
 * variable when the domain, client id, key or scopes are wrong.
 */
export const layer = (
  options: Options
): Layer.Layer<OktaOAuth | OktaAuth.OktaAuth, OktaConfigError, HttpClient.HttpClient> =>
  Layer.merge(
    redactDpopHeader,
    Layer.scopedContext(
      Effect.map(
        make(options),
        (service) => Context.make(OktaOAuth, service).pipe(Context.add(OktaAuth.OktaAuth, service))
      )
    )
  )

const configProblem = (error: ConfigError.ConfigError): OktaConfigError => {
  const text = String(error)
  return new OktaConfigError({ variable: /OKTA_[A-Z_]+/.exec(text)?.[0] ?? "configuration", reason: text })
}

/** {@link layer} from a `Config` of options (e.g. {@link config}); a configuration problem is an `OktaConfigError`. */
export const layerConfig = (
  options: Config.Config.Wrap<Options>
): Layer.Layer<OktaOAuth | OktaAuth.OktaAuth, OktaConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(Effect.mapError(Config.unwrap(options), configProblem), layer))

interface Raw {
  readonly mode: Option.Option<string>
  readonly domain: Option.Option<readonly [string, string]>
  readonly apiToken: Option.Option<string>
  readonly clientId: Option.Option<readonly [string, string]>
  readonly privateKey: Option.Option<readonly [string, Redacted.Redacted<string>]>
  readonly keyId: Option.Option<readonly [string, string]>
  readonly scopes: Option.Option<string>
  readonly dpop: Option.Option<boolean>
}

/** The first of two variables that is set (ours, then the SDK's), with its name. */
const either = <A>(ours: string, sdk: string, read: (name: string) => Config.Config<A>) =>
  Config.option(read(ours)).pipe(
    Config.zipWith(
      Config.option(read(sdk)),
      (a, b) => Option.orElse(Option.map(a, (v) => [ours, v] as const), () => Option.map(b, (v) => [sdk, v] as const))
    )
  )

const raw: Config.Config<Raw> = Config.all({
  mode: Config.option(Config.string("OKTA_CLIENT_AUTHORIZATIONMODE")),
  domain: either("OKTA_DOMAIN", "OKTA_CLIENT_ORGURL", Config.string),
  apiToken: Config.option(Config.string("OKTA_API_TOKEN")).pipe(
    Config.zipWith(
      Config.option(Config.string("OKTA_CLIENT_TOKEN")),
      (a, b) => Option.orElse(Option.as(a, "OKTA_API_TOKEN"), () => Option.as(b, "OKTA_CLIENT_TOKEN"))
    )
  ),
  clientId: either("OKTA_CLIENT_ID", "OKTA_CLIENT_CLIENTID", Config.string),
  privateKey: either("OKTA_PRIVATE_KEY", "OKTA_CLIENT_PRIVATEKEY", (name) => Config.redacted(name)),
  keyId: either("OKTA_KEY_ID", "OKTA_CLIENT_KEYID", Config.string),
  scopes: Config.option(Config.string("OKTA_SCOPES")).pipe(
    Config.zipWith(Config.option(Config.string("OKTA_CLIENT_SCOPES")), (a, b) => Option.orElse(a, () => b))
  ),
  dpop: Config.option(Config.boolean("OKTA_DPOP"))
})

const fromRaw = (r: Raw, activity: boolean): Either.Either<Option.Option<Options>, OktaConfigError> => {
  const mode = Option.map(r.mode, (m) => m.trim())
  if (Option.isSome(mode) && mode.value !== "SSWS" && mode.value !== "PrivateKey") {
    return Either.left(
      new OktaConfigError({ variable: "OKTA_CLIENT_AUTHORIZATIONMODE", reason: "must be SSWS or PrivateKey" })
    )
  }
  const wantsOAuth = Option.isSome(r.clientId) || Option.isSome(r.privateKey) ||
    Option.getOrUndefined(mode) === "PrivateKey"
  if (Option.getOrUndefined(mode) === "SSWS" || !wantsOAuth) return Either.right(Option.none())
  const oauthVariable = Option.match(r.clientId, {
    onNone: () => Option.match(r.privateKey, { onNone: () => "OKTA_CLIENT_AUTHORIZATIONMODE", onSome: ([n]) => n }),
    onSome: ([n]) => n
  })
  if (Option.isSome(r.apiToken)) {
    return Either.left(
      new OktaConfigError({
        variable: `${r.apiToken.value} and ${oauthVariable}`,
        reason: `are both set; use either an API token (${r.apiToken.value}) or an OAuth service app ` +
          `(${oauthVariable}, OKTA_PRIVATE_KEY), not both`
      })
    )
  }
  if (Option.isNone(r.clientId)) {
    return Either.left(
      new OktaConfigError({ variable: "OKTA_CLIENT_ID", reason: "is not set; set it to the service app's client id" })
    )
  }
  if (Option.isNone(r.privateKey)) {
    return Either.left(
      new OktaConfigError({
        variable: "OKTA_PRIVATE_KEY",
        reason: "is not set; set it to the service app's private key (PEM or JWK), or @path/to/key"
      })
    )
  }
  if (Option.isNone(r.domain)) {
    return Either.left(
      new OktaConfigError({ variable: "OKTA_DOMAIN", reason: "is not set; set it to your Okta org's domain" })
    )
  }
  return Either.right(Option.some({
    domain: r.domain.value[1],
    clientId: r.clientId.value[1],
    privateKey: r.privateKey.value[1],
    keyId: Option.getOrUndefined(Option.map(r.keyId, ([, v]) => v)),
    scopes: Option.getOrUndefined(Option.map(r.scopes, splitScopes)),
    activity,
    dpop: Option.getOrUndefined(r.dpop),
    variables: {
      privateKey: r.privateKey.value[0],
      keyId: Option.getOrUndefined(Option.map(r.keyId, ([n]) => n))
    }
  }))
}

/**
 * The OAuth options from the environment, `None` when OAuth is not configured (no client id, no private key, or the
 * SDK's `OKTA_CLIENT_AUTHORIZATIONMODE=SSWS`). Reads `OKTA_CLIENT_ID`, `OKTA_PRIVATE_KEY`, `OKTA_KEY_ID`,
 * `OKTA_SCOPES`, `OKTA_DPOP`, `OKTA_DOMAIN`, and the Okta Node SDK's `OKTA_CLIENT_CLIENTID`,
 * `OKTA_CLIENT_PRIVATEKEY`, `OKTA_CLIENT_KEYID`, `OKTA_CLIENT_SCOPES`, `OKTA_CLIENT_ORGURL`,
 * `OKTA_CLIENT_AUTHORIZATIONMODE`. An API token (`OKTA_API_TOKEN`, `OKTA_CLIENT_TOKEN`) set as well is an error
 * naming both variables.
 */
export const load = (
  options: { readonly activity?: boolean | undefined } = {}
): Effect.Effect<Option.Option<Options>, OktaConfigError> =>
  Effect.flatMap(Effect.mapError(raw, configProblem), (r) => fromRaw(r, options.activity ?? false))

/** {@link load} as a `Config`, for {@link layerConfig} (fails when OAuth is not configured). */
export const config = (options: { readonly activity?: boolean | undefined } = {}): Config.Config<Options> =>
  Config.mapOrFail(raw, (r) =>
    Either.match(fromRaw(r, options.activity ?? false), {
      onLeft: (error) => Either.left(ConfigError.InvalidData([], error.message)),
      onRight: Option.match({
        onNone: () => Either.left(ConfigError.MissingData([], "OKTA_CLIENT_ID is not set")),
        onSome: Either.right
      })
    }))
