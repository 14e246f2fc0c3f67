/**
 * The typed errors of the Okta client. Each carries what Okta said (`errorCode`, `errorSummary`) and the
 * `X-Okta-Request-Id` to quote to Okta support, and a message a person can act on. None carries the API token.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"

const OktaDetails = {
  /** What was asked, e.g. `GET /api/v1/users/{id}`. */
  operation: Schema.String,
  errorCode: Schema.optional(Schema.String),
  errorSummary: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String)
}

const suffix = (self: { readonly errorCode?: string | undefined; readonly requestId?: string | undefined }) =>
  [self.errorCode && `errorCode ${self.errorCode}`, self.requestId && `X-Okta-Request-Id ${self.requestId}`]
    .filter(Boolean)
    .join(", ")

const withSuffix = (text: string, self: Parameters<typeof suffix>[0]) => {
  const details = suffix(self)
  return details ? `${text} (${details})` : text
}

/** Okta has no such resource (404, E0000007). */
export class OktaNotFound extends Schema.TaggedError<OktaNotFound>()("OktaNotFound", OktaDetails) {
  override get message(): string {
    return withSuffix(`Okta: not found: ${this.operation}`, this)
  }
}

/** The API token was refused (401). */
export class OktaUnauthorized extends Schema.TaggedError<OktaUnauthorized>()("OktaUnauthorized", {
  ...OktaDetails,
  /** What was refused, when not the API token: e.g. `the OAuth access token (DPoP), even after a refresh`. */
  credentials: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const what = this.credentials === undefined
      ? "OKTA_API_TOKEN is invalid or expired"
      : `${this.credentials} (check the service app's admin role and that it is active)`
    return withSuffix(`Okta refused the credentials: ${what}`, this)
  }
}

/** The token lacks a permission or scope (403). */
export class OktaForbidden extends Schema.TaggedError<OktaForbidden>()("OktaForbidden", {
  ...OktaDetails,
  /** The scope named by `WWW-Authenticate: ... error="insufficient_scope", scope="..."`, when present. */
  missingScope: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const why = this.missingScope
      ? `the token lacks the scope ${this.missingScope}`
      : "the token's admin lacks a permission (use a read-only admin)"
    return withSuffix(`Okta forbade ${this.operation}: ${why}`, this)
  }
}

/** The request was malformed in Okta's eyes (400, e.g. E0000031 invalid search). Never retried. */
export class OktaBadRequest extends Schema.TaggedError<OktaBadRequest>()("OktaBadRequest", {
  ...OktaDetails,
  status: Schema.Number
}) {
  override get message(): string {
    return withSuffix(`Okta rejected ${this.operation} with HTTP ${this.status}: ${this.errorSummary ?? ""}`, this)
  }
}

/** A rate limit was reached and retrying within the operation's deadline was not possible. */
export class OktaRateLimited extends Schema.TaggedError<OktaRateLimited>()("OktaRateLimited", {
  ...OktaDetails,
  /** The bucket: method + endpoint template, e.g. `GET /api/v1/users/{id}`; `concurrency` for the org-wide limit. */
  bucket: Schema.String,
  resetAt: Schema.optional(Schema.DateTimeUtc),
  /** Why the client gave up waiting, e.g. the wait would pass the operation's deadline. */
  reason: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const reset = this.resetAt ? `; resets at ${DateTime.formatIso(this.resetAt)}` : ""
    const reason = this.reason ? `: ${this.reason}` : ""
    return withSuffix(`Okta rate limit reached for ${this.bucket}${reset}${reason}`, this)
  }
}

/** A failure worth retrying that persisted: 5xx, network error or timeout. */
export class OktaTransient extends Schema.TaggedError<OktaTransient>()("OktaTransient", {
  ...OktaDetails,
  /** `HTTP 503`, `timeout after 10s`, `cannot connect to acme.okta.com: ENOTFOUND (check OKTA_DOMAIN …)`, ... */
  reason: Schema.String,
  attempts: Schema.optional(Schema.Number)
}) {
  override get message(): string {
    const attempts = this.attempts ? ` after ${this.attempts} attempts` : ""
    return withSuffix(`Okta request ${this.operation} failed${attempts}: ${this.reason}`, this)
  }
}

/** Okta answered with a body we could not decode; says which field. */
export class OktaInvalidResponse extends Schema.TaggedError<OktaInvalidResponse>()("OktaInvalidResponse", {
  ...OktaDetails,
  /** What did not decode, e.g. `[0].profile.name: is missing`. */
  problem: Schema.String
}) {
  override get message(): string {
    return withSuffix(`Okta sent an unexpected response to ${this.operation}: ${this.problem}`, this)
  }
}

/** The client is misconfigured (bad OKTA_DOMAIN, missing token). Raised before any request. */
export class OktaConfigError extends Schema.TaggedError<OktaConfigError>()("OktaConfigError", {
  /** The environment variable or option at fault. */
  variable: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.variable}: ${this.reason}`
  }
}

/**
 * Okta's token endpoint refused the service app (`invalid_client`, `invalid_scope`, `unauthorized_client`, ...).
 * The message says what to fix in the app's configuration; it never carries the key, assertion or token.
 */
export class OktaOAuthError extends Schema.TaggedError<OktaOAuthError>()("OktaOAuthError", {
  /** The OAuth error code, e.g. `invalid_client`. */
  error: Schema.String,
  /** Okta's `error_description`, scrubbed of anything that looks like a JWT. */
  description: Schema.optional(Schema.String),
  status: Schema.Number,
  requestId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const said = this.description ? `: ${this.description}` : ""
    const id = this.requestId ? ` (X-Okta-Request-Id ${this.requestId})` : ""
    return `Okta refused the access token request (${this.error}${said}); ${hintFor(this.error)}${id}`
  }
}

const hintFor = (error: string): string => {
  switch (error) {
    case "invalid_client":
      return "check OKTA_CLIENT_ID, that the app authenticates with \"Public key / Private key\" and that the public " +
        "half of OKTA_PRIVATE_KEY (with OKTA_KEY_ID as its kid) is registered on the app"
    case "unauthorized_client":
      return "the app must be an API Services app allowed the Client Credentials grant"
    case "invalid_scope":
      return `grant the app the Okta API scope okta.users.read (Admin Console > Applications > the app > ` +
        "Okta API Scopes) and an admin role, or set OKTA_SCOPES to granted scopes"
    case "invalid_dpop_proof":
    case "use_dpop_nonce":
      return "the DPoP exchange with the token endpoint failed; retry, or report it with the request id"
    default:
      return "check the service app's configuration in the Admin Console"
  }
}

/** Any error of an Okta request. */
export type OktaError =
  | OktaNotFound
  | OktaUnauthorized
  | OktaForbidden
  | OktaBadRequest
  | OktaRateLimited
  | OktaTransient
  | OktaInvalidResponse
  | OktaOAuthError
