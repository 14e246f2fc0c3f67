/**
 * OAuth end to end: the Okta provider over the Okta client over real loopback HTTP, authenticated by `OktaOAuth`
 * (private_key_jwt, DPoP) against the sandbox's authorization server and its scope-checked API routes. Time is
 * `TestClock`: tokens expire on the sandbox's clock.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import type * as Provider from "@enrich/core/Provider"
import * as OktaAuth from "@enrich/okta/OktaAuth"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaOAuth from "@enrich/okta/OktaOAuth"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { Sandbox } from "@enrich/okta/testing"
import type * as SandboxOAuth from "@enrich/okta/testing/SandboxOAuth"
import { Duration, Effect, Layer, Logger, LogLevel, Redacted, TestClock } from "effect"
import { clientId, rsa } from "./support/oauth.js"

const start = Date.UTC(2025, 5, 1, 12, 0, 0)

const USER = "GET /api/v1/users/{id}"
const GROUPS = "GET /api/v1/users/{id}/groups"
const ROLES = "GET /api/v1/users/{id}/roles"
const TOKEN = "POST /oauth2/v1/token"

interface StackOptions {
  readonly app?: Partial<SandboxOAuth.App>
  readonly server?: Omit<SandboxOAuth.Options, "apps">
  readonly oauth?: Partial<OktaOAuth.Options>
  /** No OAuth at all: the sandbox's SSWS token. */
  readonly ssws?: boolean
  readonly faults?: Sandbox.Options["faults"]
}

/** A sandbox with one registered app, and the provider over a client authenticated with OAuth (or SSWS). */
const stack = (options: StackOptions = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const sandbox = yield* Sandbox.make({
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      oauth: {
        ...options.server,
        apps: [{ clientId, publicKeys: [rsa.publicJwk], ...options.app }]
      }
    })
    const logs: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => logs.push(`${logLevel.label} ${String(message)}`))
    const build = Effect.gen(function*() {
      const auth = options.ssws === true ? OktaAuth.ssws(sandbox.token) : yield* OktaOAuth.make({
        domain: sandbox.url,
        clientId,
        privateKey: Redacted.make(JSON.stringify(rsa.privateJwk)),
        ...options.oauth
      })
      const client = yield* OktaClient.make({ domain: sandbox.url }).pipe(
        Effect.provideService(OktaAuth.OktaAuth, auth)
      )
      const provider = yield* OktaProvider.make().pipe(Effect.provideService(OktaClient.OktaClient, client))
      return { auth, client, provider }
    })
    // The HTTP client lives as long as the test's scope (token refreshes happen after the build).
    const http = yield* Layer.build(NodeHttpClient.layerUndici)
    const { auth, client, provider } = yield* build.pipe(Effect.provide(http))
    const enrich = (value: string) =>
      Effect.flatMap(Effect.orDie(Indicator.account(value)), provider.enrich).pipe(
        Effect.orDie,
        Effect.map((lookup) => lookup as Provider.Found),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
    /** Requests per route and status since the last call. */
    const seen = Effect.gen(function*() {
      const counters = yield* sandbox.counters
      yield* sandbox.resetCounters
      return counters.byRoute
    })
    return { sandbox, auth, client, enrich, seen, logs }
  })

describe("OAuth through the Okta client and provider, over real HTTP", () => {
  it.scoped("DPoP required, nonces on the token endpoint and on resources: same fields as SSWS", () =>
    Effect.gen(function*() {
      const ssws = yield* stack({ ssws: true })
      const expected = yield* ssws.enrich("jsmith")

      const { auth, enrich, sandbox, seen } = yield* stack({
        app: { requireDpop: true },
        server: { resourceNonce: true }
      })
      const found = yield* enrich("jsmith")
      expect(found.extracted).toEqual(expected.extracted)
      expect(found.warnings).toEqual([])
      expect(auth.scheme).toBe("DPoP")
      // Without proof -> invalid_dpop_proof; without nonce -> use_dpop_nonce; then the DPoP-bound token.
      expect(yield* sandbox.oauth.stats).toEqual({ tokenRequests: 3, tokensIssued: 1 })
      const byRoute = yield* seen
      // The first resource request met the nonce challenge and was retried once; the others carried the nonce.
      expect(byRoute[USER]).toEqual({ "401": 1, "200": 1 })
      expect(byRoute[GROUPS]).toEqual({ "200": 1 })
      expect(byRoute[ROLES]).toEqual({ "200": 1 })
    }))

  it.scoped("a server echoing Authorization in an error: the access token and the proof are in no error message", () =>
    Effect.gen(function*() {
      const { auth, client } = yield* stack({
        app: { requireDpop: true },
        faults: { [USER]: { script: [Sandbox.echoAuthorization({ status: 400 })] } }
      })
      const error = yield* Effect.flip(client.getUser("jsmith"))
      const sent = yield* auth.authenticate(HttpClientRequest.get("https://example.invalid/"))
      const accessToken = (sent.headers["authorization"] ?? "").replace(/^DPoP /, "")
      expect(accessToken.length).toBeGreaterThan(20)
      const everything = [error.message, JSON.stringify(error), String(error)].join("\n")
      // The echo reached the message (so the scrub had something to do), without the token.
      expect(everything).toContain("DPoP <redacted>")
      expect(everything).not.toContain(accessToken)
      expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+/)
    }))

  it.scoped("refreshes the token on expiry (the sandbox's clock), and reuses it before", () =>
    Effect.gen(function*() {
      const { enrich, sandbox } = yield* stack({ app: { requireDpop: true }, server: { tokenLifetime: "10 minutes" } })
      yield* enrich("jsmith")
      yield* TestClock.adjust(Duration.minutes(5))
      yield* enrich("alice.admin")
      expect((yield* sandbox.oauth.stats).tokensIssued).toBe(1)
      yield* TestClock.adjust(Duration.minutes(6))
      const found = yield* enrich("jsmith")
      expect(found.extracted["found"]).toBe(true)
      expect((yield* sandbox.oauth.stats).tokensIssued).toBe(2)
    }))

  it.scoped("a revoked token: the 401 refreshes the token once and the request is retried once", () =>
    Effect.gen(function*() {
      const { enrich, sandbox, seen } = yield* stack({ oauth: { dpop: true } })
      yield* enrich("jsmith")
      yield* seen
      yield* sandbox.oauth.revokeAll
      const found = yield* enrich("jsmith")
      expect(found.warnings).toEqual([])
      expect(found.extracted["is_admin"]).toBe(false)
      const byRoute = yield* seen
      expect(byRoute[USER]).toEqual({ "401": 1, "200": 1 })
      expect(byRoute[TOKEN]).toEqual({ "200": 1 })
      expect((yield* sandbox.oauth.stats).tokensIssued).toBe(2)
    }))

  it.scoped("a revoked token whose refresh is refused fails with the token error after one retry", () =>
    Effect.gen(function*() {
      const { client, sandbox, seen } = yield* stack({ oauth: { dpop: true } })
      yield* client.getUser("jsmith")
      yield* seen
      // The token is revoked and the app loses every scope: the refresh after the 401 is refused.
      yield* sandbox.oauth.revokeAll
      yield* sandbox.oauth.register({ clientId, publicKeys: [rsa.publicJwk], scopes: [] })
      const error = yield* Effect.flip(client.getUser("jsmith"))
      expect(error._tag).toBe("OktaOAuthError")
      expect(error.message).toContain("invalid_scope")
      expect((yield* seen)[USER]).toEqual({ "401": 1 })
    }))

  it.scoped("a 401 that persists after the refresh is an OktaUnauthorized about the OAuth token, after one retry", () =>
    Effect.gen(function*() {
      const { client, sandbox, seen } = yield* stack({ oauth: { dpop: true } })
      yield* sandbox.setFaults(USER, { script: [Sandbox.status(401), Sandbox.status(401), Sandbox.status(401)] })
      const error = yield* Effect.flip(client.getUser("jsmith"))
      expect(error._tag).toBe("OktaUnauthorized")
      expect(error.message).toContain("the OAuth access token (DPoP), even after a refresh")
      expect(error.message).not.toContain("OKTA_API_TOKEN")
      expect((yield* seen)[USER]).toEqual({ "401": 2 })
      expect((yield* sandbox.oauth.stats).tokensIssued).toBe(2)
    }))

  it.scoped("okta.roles.read not granted: is_admin and admin_roles are null with a warning, roles never asked", () =>
    Effect.gen(function*() {
      const { enrich, logs, seen } = yield* stack({ app: { scopes: ["okta.users.read"] } })
      const found = yield* enrich("alice.admin")
      expect(found.extracted["is_admin"]).toBeNull()
      expect(found.extracted["admin_roles"]).toBeNull()
      expect(found.extracted["groups"]).not.toBeNull()
      expect(found.extracted["mfa_enrolled"]).toBe(true)
      expect(found.warnings.join("\n")).toContain("okta.roles.read")
      expect(logs.filter((line) => line.startsWith("WARN")).join("\n")).toContain("okta.roles.read")
      yield* enrich("jsmith")
      const byRoute = yield* seen
      expect(byRoute[ROLES]).toBeUndefined()
      expect(byRoute[TOKEN]).toEqual({ "400": 1, "200": 1 })
    }))

  it.scoped("a 403 insufficient_scope on roles: null with a warning once, and no roles request again", () =>
    Effect.gen(function*() {
      // The app asks only for okta.users.read, so the token cannot tell; the resource server's 403 does.
      const { auth, enrich, seen } = yield* stack({ oauth: { scopes: ["okta.users.read"] } })
      const first = yield* enrich("jsmith")
      expect(first.extracted["is_admin"]).toBeNull()
      expect(first.extracted["admin_roles"]).toBeNull()
      expect(first.extracted["status"]).toBe("ACTIVE")
      expect(first.warnings.join("\n")).toContain("okta.roles.read")
      expect((yield* seen)[ROLES]).toEqual({ "403": 1 })
      expect(yield* OktaAuth.hasScope(auth, "okta.roles.read")).toBe(false)
      expect(yield* OktaAuth.hasScope(auth, "okta.users.read")).toBe(true)
      const second = yield* enrich("alice.admin")
      expect(second.extracted["is_admin"]).toBeNull()
      expect(second.warnings.join("\n")).toContain("okta.roles.read")
      expect((yield* seen)[ROLES]).toBeUndefined()
    }))
})
