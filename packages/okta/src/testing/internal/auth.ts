/**
 * Authentication as a pluggable step: an {@link Authenticator} looks at a request and either names the caller or
 * declines. The sandbox tries its authenticators in order and answers 401 `E0000011` when none accepts. The
 * Management API takes `SSWS <token>` ({@link ssws}) and OAuth access tokens ({@link oauth}: `Bearer` or `DPoP`,
 * checked against each route's scope, refused with Okta's `WWW-Authenticate` challenges).
 *
 * @internal
 */
import { Effect, Option, Redacted } from "effect"
import type * as Http from "node:http"
import type * as SandboxOAuth from "../SandboxOAuth.js"

/** What an authenticator may look at. */
export interface AuthRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  /** The route's name (`GET /api/v1/users/{id}`), or `UNMATCHED` (the default). */
  readonly route?: string | undefined
  /** The sandbox's base URL, e.g. `http://127.0.0.1:54321` (a DPoP proof's `htu` is checked against it). */
  readonly origin?: string | undefined
}

/** An answer that ends the request: an authenticator recognised its scheme and refused the credentials. */
export interface Refusal {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/** Who the request is from, once authenticated. */
export interface Principal {
  /** The scheme that accepted it, e.g. `"SSWS"`. */
  readonly scheme: string
  /** Present when the scheme was recognised but the request refused (401/403 with a `WWW-Authenticate` challenge). */
  readonly refusal?: Refusal | undefined
}

/** `Some` when this scheme accepts the request, `None` when it does not (wrong scheme or wrong credentials). */
export type Authenticator = (request: AuthRequest) => Effect.Effect<Option.Option<Principal>>

/** Okta's API token scheme: `Authorization: SSWS <token>`, compared exactly. */
export const ssws = (token: Redacted.Redacted<string>): Authenticator => (request) =>
  Effect.succeed(
    request.headers.authorization === `SSWS ${Redacted.value(token)}` ? Option.some({ scheme: "SSWS" }) : Option.none()
  )

/** The OAuth scope a route needs: roles and logs have their own, the rest (users, groups, factors) `okta.users.read`. */
export const scopeOf = (route: string): string =>
  route.endsWith("/roles") ? "okta.roles.read" : route.includes("/api/v1/logs") ? "okta.logs.read" : "okta.users.read"

/**
 * OAuth access tokens (`Authorization: Bearer <token>` or `DPoP <token>` with its proof), verified by the sandbox's
 * authorization server with the route's scope. Other schemes are declined; a refused token is a {@link Refusal}.
 */
export const oauth = (server: SandboxOAuth.Service): Authenticator => (request) => {
  const authorization = request.headers.authorization
  if (authorization === undefined || !/^(Bearer|DPoP) /i.test(authorization)) return Effect.succeed(Option.none())
  const headers: Record<string, string | undefined> = {}
  for (const name in request.headers) {
    const value = request.headers[name]
    headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return Effect.map(
    server.verifyResourceRequest(
      { method: request.method, url: `${request.origin ?? "http://localhost"}${request.url}`, headers },
      scopeOf(request.route ?? "UNMATCHED")
    ),
    (verdict): Option.Option<Principal> =>
      verdict._tag === "Authorized"
        ? Option.some({ scheme: /^DPoP /i.test(authorization) ? "DPoP" : "Bearer" })
        : Option.some({ scheme: "OAuth", refusal: verdict.reply })
  )
}

/** The first authenticator that accepts the request, if any. */
export const firstOf = (authenticators: ReadonlyArray<Authenticator>): Authenticator => (request) =>
  Effect.gen(function*() {
    for (const authenticate of authenticators) {
      const principal = yield* authenticate(request)
      if (Option.isSome(principal)) return principal
    }
    return Option.none()
  })
