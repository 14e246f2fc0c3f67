/**
 * Configuration of the Okta client: the org's domain (`OKTA_DOMAIN`), the API token (`OKTA_API_TOKEN`, `Redacted`
 * from the moment it is read) and the tuning knobs (timeout, concurrency, retries, deadline, page bound).
 *
 * `OKTA_DOMAIN` accepts `acme.okta.com` or `https://acme.okta.com` (also `*.oktapreview.com`, `*.okta-emea.com` and
 * custom URL domains). Plain `http://` is accepted only for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), which
 * is how the sandbox and tests are reached. A path, query, credentials, an `-admin` host or a `{yourOktaDomain}`
 * placeholder is refused with an {@link OktaConfigError} naming the variable.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { OktaConfigError } from "./OktaError.js"
import type * as RateLimiter from "./RateLimiter.js"

/** The version of this package, sent as `User-Agent: enrich/<version>`. */
export const version = "0.1.0"

/** How to reach an Okta org, and how gently. Only `domain` and `token` are required. */
export interface Options {
  /** `OKTA_DOMAIN`: `acme.okta.com`, `https://acme.okta.com`, a custom URL domain, or `http://127.0.0.1:port`. */
  readonly domain: string
  /**
   * `OKTA_API_TOKEN`, sent as `Authorization: SSWS <token>`. May be omitted when an `OktaAuth` service is provided
   * instead (OAuth service apps).
   */
  readonly token?: Redacted.Redacted<string> | undefined
  /** Timeout of one HTTP request, body included (default 10 seconds). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Requests in flight at once (default 8). Okta's concurrency limit is shared by the whole org. */
  readonly maxConcurrency?: number | undefined
  /** Retries of one request after a 429 or a transient failure (default 3). */
  readonly maxRetries?: number | undefined
  /** Time budget of one operation, waits and retries included; a wait that would exceed it fails now (default 90 s). */
  readonly operationDeadline?: Duration.DurationInput | undefined
  /** Pages read at most by one listing before it is reported incomplete (default 100). */
  readonly maxPages?: number | undefined
  /** First backoff of a transient-failure retry, doubled per retry and jittered (default 500 ms). */
  readonly retryBackoff?: Duration.DurationInput | undefined
  /** Cap of the transient-failure backoff (default 8 seconds). */
  readonly retryBackoffCap?: Duration.DurationInput | undefined
  /** `User-Agent` header (default `enrich/<version>`). */
  readonly userAgent?: string | undefined
  /**
   * Largest response body read, in bytes (default 10 MB); a larger body fails with `OktaInvalidResponse` after
   * reading at most this much, so a broken or hostile server cannot make the client buffer without bound.
   */
  readonly maxResponseBytes?: number | undefined
  /** Fine tuning of pacing and 429 waits. */
  readonly rateLimit?: Omit<RateLimiter.Options, "maxConcurrency"> | undefined
}

/** Options with every default filled in and the domain validated. */
export interface Settings {
  /** The org's origin, e.g. `https://acme.okta.com`: the only origin requests (and `next` links) may go to. */
  readonly origin: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly timeout: Duration.Duration
  readonly maxConcurrency: number
  readonly maxRetries: number
  readonly operationDeadline: Duration.Duration
  readonly maxPages: number
  readonly retryBackoff: Duration.Duration
  readonly retryBackoffCap: Duration.Duration
  readonly userAgent: string
  readonly maxResponseBytes: number
}

const domainError = (reason: string) => new OktaConfigError({ variable: "OKTA_DOMAIN", reason })

const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname)

/**
 * Validates `OKTA_DOMAIN` and returns the org's origin (`https://acme.okta.com`, `http://127.0.0.1:8080`).
 * Fails with an {@link OktaConfigError} naming `OKTA_DOMAIN` and saying what is wrong.
 */
export const parseDomain = (input: string): Either.Either<string, OktaConfigError> => {
  const raw = input.trim()
  // User info (`https://admin:pw@acme.okta.com`) is refused first, and nothing of the value is repeated: it may hold
  // a password. Any "@" before the first "/" after the scheme is user info.
  if (/^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i.test(raw)) {
    return Either.left(
      domainError(
        "must not contain credentials (user info such as user:password@, not repeated here); set it to the " +
          "org's domain only, and the token in OKTA_API_TOKEN"
      )
    )
  }
  if (raw === "") return Either.left(domainError("is empty; set it to your Okta org's domain, e.g. acme.okta.com"))
  if (/[{}]|yourOktaDomain/i.test(raw)) {
    return Either.left(domainError(`"${raw}" is a placeholder from Okta's docs; set it to your org's domain`))
  }
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    return Either.left(domainError("contains whitespace or control characters"))
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase()
  if (scheme !== undefined && scheme !== "https" && scheme !== "http") {
    return Either.left(domainError(`must be an https:// URL or a bare domain, not ${scheme}://`))
  }
  let url: URL
  try {
    url = new URL(scheme === undefined ? `https://${raw}` : raw)
  } catch {
    return Either.left(domainError(`"${raw}" is not a domain name or URL (expected e.g. acme.okta.com)`))
  }
  if (url.username !== "" || url.password !== "") {
    return Either.left(domainError("must not contain credentials; put the token in OKTA_API_TOKEN"))
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    return Either.left(domainError(`must be the org's domain only, without a path (got ${url.pathname})`))
  }
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(raw)) {
    return Either.left(domainError("must be the org's domain only, without a query or fragment"))
  }
  const hostname = url.hostname.toLowerCase()
  if (/^[^.]+-admin\./.test(hostname)) {
    const org = hostname.replace(/^([^.]+)-admin\./, "$1.")
    return Either.left(domainError(`${hostname} is the Admin Console's domain; use the org's domain (${org})`))
  }
  if (url.protocol === "http:" && !isLoopback(hostname)) {
    return Either.left(
      domainError(`must use https:// (plain http:// is only allowed for loopback hosts: localhost, 127.0.0.0/8, ::1)`)
    )
  }
  if (!isLoopback(hostname) && !hostname.includes(".")) {
    return Either.left(domainError(`"${raw}" is not a full domain name (expected e.g. ${hostname}.okta.com)`))
  }
  return Either.right(url.origin)
}

const tokenError = (reason: string) => new OktaConfigError({ variable: "OKTA_API_TOKEN", reason })

/** Checks the token's shape without ever putting the token into the error. */
const checkToken = (token: Redacted.Redacted<string>): Either.Either<Redacted.Redacted<string>, OktaConfigError> => {
  const value = Redacted.value(token)
  if (value.trim() === "") return Either.left(tokenError("is empty; create an API token as a read-only admin"))
  if (/^(SSWS|Bearer)\s/i.test(value)) {
    return Either.left(tokenError("must be the token alone, without the SSWS or Bearer prefix"))
  }
  if (/[\s\u0000-\u001f\u007f]/.test(value.trim())) {
    return Either.left(tokenError("contains whitespace or control characters"))
  }
  return Either.right(value === value.trim() ? token : Redacted.make(value.trim()))
}

const positiveInteger = (name: string, value: number | undefined, fallback: number, min = 1) =>
  value === undefined ?
    Either.right(fallback) :
    Number.isInteger(value) && value >= min ?
    Either.right(value) :
    Either.left(new OktaConfigError({ variable: name, reason: `must be an integer of at least ${min}, got ${value}` }))

/**
 * Validates options and fills in the defaults. `requireToken: false` when authentication is provided another way.
 */
export const resolve = (
  options: Options,
  requireToken = true
): Either.Either<Settings, OktaConfigError> =>
  Either.gen(function*() {
    const origin = yield* parseDomain(options.domain)
    let token = Option.none<Redacted.Redacted<string>>()
    if (options.token !== undefined) token = Option.some(yield* checkToken(options.token))
    else if (requireToken) {
      return yield* Either.left(tokenError("is not set; create an API token as a read-only admin in the Admin Console"))
    }
    return {
      origin,
      token,
      timeout: Duration.decode(options.timeout ?? Duration.seconds(10)),
      maxConcurrency: yield* positiveInteger("maxConcurrency", options.maxConcurrency, 8),
      maxRetries: yield* positiveInteger("maxRetries", options.maxRetries, 3, 0),
      operationDeadline: Duration.decode(options.operationDeadline ?? Duration.seconds(90)),
      maxPages: yield* positiveInteger("maxPages", options.maxPages, 100),
      retryBackoff: Duration.decode(options.retryBackoff ?? Duration.millis(500)),
      retryBackoffCap: Duration.decode(options.retryBackoffCap ?? Duration.seconds(8)),
      userAgent: options.userAgent ?? `enrich/${version}`,
      maxResponseBytes: yield* positiveInteger("maxResponseBytes", options.maxResponseBytes, 10 * 1024 * 1024)
    }
  })

/**
 * The client's options from the environment (or any `ConfigProvider`): `OKTA_DOMAIN` and `OKTA_API_TOKEN`
 * (read as `Redacted`). The domain is validated when the client is built.
 */
export const config: Config.Config<Options> = Config.all({
  domain: Config.string("OKTA_DOMAIN"),
  token: Config.redacted("OKTA_API_TOKEN")
})

const advice: Record<string, string> = {
  OKTA_API_TOKEN: "is not set; create an API token as a read-only admin in the Admin Console",
  OKTA_DOMAIN: "is not set; set it to your Okta org's domain, e.g. acme.okta.com"
}

/** The first variable a `ConfigError` is about, and what is wrong with it. */
const firstProblem = (error: ConfigError.ConfigError): { readonly variable: string; readonly reason: string } => {
  switch (error._op) {
    case "And":
    case "Or":
      return firstProblem(error.left)
    case "MissingData": {
      const variable = error.path.join(".") || "configuration"
      return { variable, reason: advice[variable] ?? `is not set (${error.message})` }
    }
    default:
      return { variable: error.path.join(".") || "configuration", reason: error.message }
  }
}

/**
 * Reads a `Config` of options (or a record of `Config`s per option, as `@effect/sql-pg` takes) and turns a missing or
 * malformed variable into an {@link OktaConfigError} naming it, so every configuration problem has one shape and an
 * actionable message.
 */
export const load = (options: Config.Config.Wrap<Options> = config): Effect.Effect<Options, OktaConfigError> =>
  Effect.mapError(Config.unwrap(options), (error) => new OktaConfigError(firstProblem(error)))
