/**
 * The sandbox: a fake Okta org served over real HTTP on a loopback port. It speaks the Okta Management API for the
 * operations account enrichment uses (`getUser`, `listUsers`, `listUserGroups`, `listFactors`,
 * `listAssignedRolesForUser`, `listLogEvents`), with Okta's SSWS auth, OAuth 2.0 service apps (`POST /oauth2/v1/token`
 * with `private_key_jwt` and DPoP, Bearer/DPoP access tokens checked per route scope: see {@link Options.oauth}), error bodies, `Link` paging, rate-limit
 * headers, per-bucket and concurrency 429s, and scriptable faults, from the ordinary (a 503, latency) to the hostile
 * (absurd headers, gzip bombs, slow drips, cross-origin redirects) for testing a client's defences.
 *
 * Every time-dependent behaviour (rate-limit windows, `Date`, `X-Rate-Limit-Reset`, latency, slow drips) reads
 * Effect's `Clock`, so a test drives it with `TestClock`.
 *
 * Faults, per route (`Options.faults`, {@link Service.setFaults} or the admin API), one per request from a script or
 * at random:
 * - ordinary: {@link status} (an Okta error), {@link latency}, {@link reset} (no answer), {@link malformedJson};
 * - headers: {@link headers} overrides any response header, e.g. `X-Rate-Limit-Reset: 1e308`, `NaN`, `-1` or a year
 *   ahead, `X-Rate-Limit-Remaining: 0` on a 200, a `Date` of 1970 or 9999, optionally on a 429;
 * - bodies: {@link deeplyNested} (200,000 nested arrays), {@link oversized} (N bytes, streamed),
 *   {@link gzipBomb} (1 KB per inflated MiB), {@link slowDrip} (a chunk per interval), {@link echoAuthorization}
 *   (the request's credentials sent back);
 * - connections and origins: {@link resetMidBody}, {@link redirect} (to another origin), {@link foreignLinks}
 *   (`Link` URLs on another origin), and `repeatNextCursor` (a next link that never advances).
 *
 * Admin endpoints (outside `/api`, no token needed; the server listens on loopback only by default):
 * - `GET /__sandbox/counters`: the {@link Counters} as JSON.
 * - `POST /__sandbox/counters/reset`: zeroes them.
 * - `POST /__sandbox/faults` with `{"route": "GET /api/v1/users/{id}", "faults": {...}}`: sets the {@link Faults}
 *   of a route (`"*"` for every route); durations are milliseconds, faults are `{"_tag": "Status", "status": 503}`.
 * - `DELETE /__sandbox/faults`: removes every fault.
 *
 * Layout: this module is the public entry (options, service, fault constructors); the server, routing, rate limits,
 * faults, admin API and one module per route family live in `internal/` (see `internal/routeTable.ts` to add one).
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Redacted, Schema, type Scope } from "effect"
import * as Admin from "./internal/admin.js"
import * as Api from "./internal/api.js"
import * as Auth from "./internal/auth.js"
import * as CountersState from "./internal/counters.js"
import * as internalFaults from "./internal/faults.js"
import * as OrgLogs from "./internal/org/logs.js"
import * as RateLimits from "./internal/rateLimits.js"
import * as RouteTable from "./internal/routeTable.js"
import * as Server from "./internal/server.js"
import { makeErrorBody, makeIds } from "./internal/wire.js"
import * as SandboxOAuth from "./SandboxOAuth.js"
import * as SandboxOrg from "./SandboxOrg.js"

/**
 * The routes the sandbox serves, named like Okta's rate-limit buckets (method + endpoint template):
 * `GET /api/v1/users/{id}`, `GET /api/v1/users`, `GET /api/v1/users/{id}/groups`, `GET /api/v1/users/{id}/factors`,
 * `GET /api/v1/users/{id}/roles`, `GET /api/v1/logs`. `UNMATCHED` collects requests to any other path.
 *
 * @since 0.1.0
 */
export type Route = RouteTable.RouteName | "UNMATCHED"

/**
 * Okta's published per-minute limits for a Workforce org, per bucket (the defaults).
 *
 * @since 0.1.0
 */
export const defaultRateLimits: { readonly [R in Route]: number } = RouteTable.defaultRateLimits

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
export interface RateLimit extends RateLimits.RateLimitOption {}

/**
 * One injected fault. Ordinary: `None`, `Status`, `Latency`, `Reset`, `MalformedJson`. Hostile, for testing a
 * client's defences: `Headers`, `DeepNesting`, `Oversized`, `GzipBomb`, `SlowDrip`, `EchoAuthorization`,
 * `ResetMidBody`, `Redirect`, `ForeignLinks`. Each has a constructor below that says what it sends.
 *
 * @since 0.1.0
 */
export const Fault: Schema.Schema<Fault, FaultEncoded> = internalFaults.Fault

/**
 * @since 0.1.0
 */
export type Fault = typeof internalFaults.Fault.Type

/**
 * A fault as JSON (`POST /__sandbox/faults`): durations in milliseconds.
 *
 * @since 0.1.0
 */
export type FaultEncoded = typeof internalFaults.Fault.Encoded

export {
  /** @since 0.1.0 */
  deeplyNested,
  /** @since 0.1.0 */
  echoAuthorization,
  /** @since 0.1.0 */
  foreignLinks,
  /** @since 0.1.0 */
  gzipBomb,
  /** @since 0.1.0 */
  headers,
  /** @since 0.1.0 */
  latency,
  /** @since 0.1.0 */
  malformedJson,
  /** @since 0.1.0 */
  none,
  /** @since 0.1.0 */
  oversized,
  /** @since 0.1.0 */
  redirect,
  /** @since 0.1.0 */
  reset,
  /** @since 0.1.0 */
  resetMidBody,
  /** @since 0.1.0 */
  slowDrip,
  /** @since 0.1.0 */
  status
} from "./internal/faults.js"

/**
 * The faults of one route. Each request takes the next entry of `script`; once the script is used up, each entry of
 * `random` applies with its probability (drawn from Effect's `Random`). `latency` is added to every request.
 * `repeatNextCursor` reproduces a real Okta bug: a page fetched with `after=X` links to `after=X` again, forever.
 *
 * @since 0.1.0
 */
export const Faults: Schema.Schema<Faults, typeof internalFaults.Faults.Encoded> = internalFaults.Faults

/**
 * @since 0.1.0
 */
export type Faults = typeof internalFaults.Faults.Type

/**
 * What the sandbox has seen since it started (or since `resetCounters`).
 *
 * @since 0.1.0
 */
export interface Counters extends CountersState.Counters {}

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
  /**
   * The authorization server (`POST /oauth2/v1/token`): registered service apps (client id, public JWK, granted
   * `scopes`, `requireDpop`), `tokenLifetime` (on Effect's Clock), nonce settings. Default: no app registered (API
   * routes still take SSWS; register apps later with `Service.oauth.register`).
   */
  readonly oauth?: SandboxOAuth.Options | undefined
  /**
   * Add the System Log stories of `SandboxActivity` (relative to the sandbox's start on its Clock) to the org's
   * `logs`. Default: `true` for the bundled seed org, `false` for an org given in `org`.
   */
  readonly activity?: boolean | undefined
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
  /** The authorization server: register apps, revoke tokens, count token requests. */
  readonly oauth: SandboxOAuth.Service
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

/**
 * Starts a sandbox on a loopback port for the lifetime of the scope. Fails with {@link SandboxError} when it cannot
 * listen.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, SandboxError, Scope.Scope> =>
  Effect.gen(function*() {
    const seedOrg = options.org ?? SandboxOrg.defaultOrg
    const org = (options.activity ?? options.org === undefined)
      ? OrgLogs.withActivity(seedOrg, new Date(yield* Clock.currentTimeMillis))
      : seedOrg
    const token = options.token === undefined
      ? Redacted.make(defaultToken)
      : Redacted.isRedacted(options.token)
      ? options.token
      : Redacted.make(options.token)
    const counters = CountersState.make()
    const faults = internalFaults.makeSettings(options.faults)
    const nextId = makeIds()
    let url = ""
    const oauth = yield* SandboxOAuth.make(options.oauth)
    const pipeline: Api.Pipeline = {
      org,
      url: () => url,
      authenticate: Auth.firstOf([Auth.ssws(token), Auth.oauth(oauth)]),
      oauth,
      bucketFor: RateLimits.makeBuckets(defaultRateLimits, options.rateLimits),
      concurrencyLimit: options.concurrencyLimit ?? defaultConcurrencyLimit,
      baseLatency: options.latency === undefined ? Duration.zero : Duration.decode(options.latency),
      faults,
      counters,
      nextId,
      error: makeErrorBody(nextId)
    }
    const admin: Admin.AdminOps = {
      counters: Effect.sync(counters.snapshot),
      resetCounters: Effect.sync(counters.reset),
      setFaults: (route, f) => Effect.sync(() => faults.set(route, f)),
      clearFaults: Effect.sync(faults.clear)
    }

    const handle = (req: Parameters<typeof Api.handle>[1], res: Parameters<typeof Api.handle>[2]) => {
      const raw = req.url ?? "/"
      const q = raw.indexOf("?")
      const path = q < 0 ? raw : raw.slice(0, q)
      if (path.startsWith("/__sandbox/")) return Admin.handle(admin, req, res, path)
      counters.enter()
      return Api.handle(pipeline, req, res, path, q < 0 ? "" : raw.slice(q + 1)).pipe(
        Effect.catchAllCause((cause) =>
          Effect.sync(() =>
            Server.send(
              res,
              500,
              { "Content-Type": "application/json" },
              JSON.stringify({ ...pipeline.error(500), cause: String(cause) })
            )
          )
        ),
        Effect.ensuring(Effect.sync(counters.leave))
      )
    }

    const server = yield* Server.serve({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" }, handle).pipe(
      Effect.mapError((error) => new SandboxError({ reason: error.message }))
    )
    url = server.url
    return {
      url,
      token,
      org,
      ...admin,
      setFaults: admin.setFaults,
      oauth
    }
  })

/**
 * The sandbox as a Layer: starts with the layer, stops when it is released.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Sandbox, SandboxError> => Layer.scoped(Sandbox, make(options))
