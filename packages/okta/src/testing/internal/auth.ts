/**
 * Authentication as a pluggable step: an {@link Authenticator} looks at a request and either names the caller or
 * declines. The sandbox tries its authenticators in order and answers 401 `E0000011` when none accepts. Today the
 * Management API takes `SSWS <token>` only; Bearer and DPoP access tokens become more authenticators in the list.
 *
 * @internal
 */
import { Effect, Option, Redacted } from "effect"
import type * as Http from "node:http"

/** What an authenticator may look at. */
export interface AuthRequest {
  readonly method: string
  /** Path and query, as sent. */
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
}

/** Who the request is from, once authenticated. */
export interface Principal {
  /** The scheme that accepted it, e.g. `"SSWS"`. */
  readonly scheme: string
}

/** `Some` when this scheme accepts the request, `None` when it does not (wrong scheme or wrong credentials). */
export type Authenticator = (request: AuthRequest) => Effect.Effect<Option.Option<Principal>>

/** Okta's API token scheme: `Authorization: SSWS <token>`, compared exactly. */
export const ssws = (token: Redacted.Redacted<string>): Authenticator => (request) =>
  Effect.succeed(
    request.headers.authorization === `SSWS ${Redacted.value(token)}` ? Option.some({ scheme: "SSWS" }) : Option.none()
  )

/** The first authenticator that accepts the request, if any. */
export const firstOf = (authenticators: ReadonlyArray<Authenticator>): Authenticator => (request) =>
  Effect.gen(function*() {
    for (const authenticate of authenticators) {
      const principal = yield* authenticate(request)
      if (Option.isSome(principal)) return principal
    }
    return Option.none()
  })
