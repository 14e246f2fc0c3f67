/**
 * How the Okta client authenticates its requests, as a small swappable piece. Today: an API token
 * (`Authorization: SSWS <token>`). Later: OAuth service apps (private_key_jwt, DPoP), which only need another
 * implementation of {@link Service}.
 *
 * The client calls `authenticate` on the final request, just before it is sent, so the secret leaves its `Redacted`
 * box at the last moment and only inside the `Authorization` header (which `@effect/platform` redacts in spans).
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { OktaError } from "./OktaError.js"

/** Adds credentials to a request about to be sent. */
export interface Service {
  /** The scheme, for logs and errors: `SSWS`, `Bearer`, `DPoP`. Never the credential itself. */
  readonly scheme: string
  readonly authenticate: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest, OktaError>
}

/**
 * The authentication of the Okta client. Optional: when absent, the client uses {@link ssws} with its `token`
 * option (`OKTA_API_TOKEN`).
 */
export class OktaAuth extends Context.Tag("@enrich/okta/OktaAuth")<OktaAuth, Service>() {}

/** API token authentication: `Authorization: SSWS <token>`. */
export const ssws = (token: Redacted.Redacted<string>): Service => ({
  scheme: "SSWS",
  authenticate: (request) =>
    Effect.sync(() => HttpClientRequest.setHeader(request, "authorization", `SSWS ${Redacted.value(token)}`))
})
