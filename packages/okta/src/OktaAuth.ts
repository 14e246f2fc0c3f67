/**
 * How the Okta client authenticates its requests, as a small swappable piece. Today: an API token
 * (`Authorization: SSWS <token>`). Later: OAuth service apps (private_key_jwt, DPoP), which only need another
 * implementation of {@link Service}.
 *
 * The client calls `authenticate` on the final request, just before it is sent (or, for static credentials, `authorize`
 * once per call), so the secret leaves its `Redacted` box only inside the `Authorization` header (which
 * `@effect/platform` redacts in spans).
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { OktaError } from "./OktaError.js"

/** The status and headers of a 401 or 403 answer, as the client shows them to {@link Service.challenge}. */
export interface Answer {
  readonly status: number
  readonly headers: Headers.Headers
}

/**
 * Adds credentials to a request about to be sent. SSWS needs only `scheme` and `authenticate`; OAuth (`OktaOAuth`)
 * also answers challenges and knows its scopes.
 */
export interface Service {
  /** The scheme, for logs and errors: `SSWS`, `Bearer`, `DPoP`. Never the credential itself. */
  readonly scheme: string
  /** Called on every attempt (a DPoP proof is single-use), on the final request, unless `authorize` is given. */
  readonly authenticate: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest, OktaError>
  /**
   * The same as `authenticate`, synchronous, for credentials that are the same on every request (an API token): the
   * client then applies it once per call, and its retries reuse that request. Absent: `authenticate` per attempt.
   */
  readonly authorize?:
    | ((request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest)
    | undefined
  /**
   * Reads a 401/403 answer to `sentRequest` (as authenticated): `"retry"` makes the client send it once more (not
   * counted against its transient retries), `"fail"` fails as before. Absent: always `"fail"`.
   */
  readonly challenge?:
    | ((sentRequest: HttpClientRequest.HttpClientRequest, answer: Answer) => Effect.Effect<
      "retry" | "fail"
    >)
    | undefined
  /**
   * Removes the credentials in use (and those used lately) from a text a server sent back, before it reaches an error
   * message. Absent: nothing beyond the client's own token is removed. OAuth removes its access tokens and anything
   * JWT-shaped (DPoP proofs).
   */
  readonly redact?: ((text: string) => string) | undefined
  /** The scopes the credentials were granted, when they have scopes (OAuth). */
  readonly grantedScopes?: Effect.Effect<ReadonlySet<string>, OktaError> | undefined
  /** Scopes found missing so far (not granted, or refused with 403 `insufficient_scope`). Absent: none. */
  readonly missingScopes?: Effect.Effect<ReadonlySet<string>> | undefined
}

/**
 * Whether `auth` may use `scope`: false once the scope is known to be missing (not granted by the token response, or
 * refused with 403 `insufficient_scope`). Always true for credentials without scopes (SSWS).
 */
export const hasScope = (auth: Service, scope: string): Effect.Effect<boolean> =>
  auth.missingScopes === undefined
    ? Effect.succeed(true)
    : Effect.map(auth.missingScopes, (missing) => !missing.has(scope))

/**
 * The authentication of the Okta client. Optional: when absent, the client uses {@link ssws} with its `token`
 * option (`OKTA_API_TOKEN`).
 */
export class OktaAuth extends Context.Tag("@enrich/okta/OktaAuth")<OktaAuth, Service>() {}

/** API token authentication: `Authorization: SSWS <token>`. */
export const ssws = (token: Redacted.Redacted<string>): Service => {
  const authorize = (request: HttpClientRequest.HttpClientRequest) =>
    HttpClientRequest.setHeader(request, "authorization", `SSWS ${Redacted.value(token)}`)
  return { scheme: "SSWS", authenticate: (request) => Effect.sync(() => authorize(request)), authorize }
}
