import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as OktaAuth from "@enrich/okta/OktaAuth"
import * as OktaOAuth from "@enrich/okta/OktaOAuth"
import { SandboxOAuth } from "@enrich/okta/testing"
import { ConfigProvider, Effect, Exit, FiberRef, Layer, Logger, LogLevel, Option, Redacted, TestClock } from "effect"
import * as Jose from "jose"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  call,
  captureLogs,
  clientId,
  ec256,
  ec384,
  newCapture,
  origin,
  rsa,
  sandboxClient,
  sandboxServer,
  tokenUrl
} from "./support/oauth.js"

const start = Date.parse("2026-03-01T09:00:00Z")

interface Setup {
  readonly app?: Partial<SandboxOAuth.App>
  readonly sandbox?: SandboxOAuth.Options
  readonly oauth?: Partial<OktaOAuth.Options>
}

/** A sandbox with the app registered (RSA key unless told), and OktaOAuth talking to it in-process. */
const setup = (options: Setup = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const sandbox = yield* SandboxOAuth.make({
      ...options.sandbox,
      apps: [{ clientId, publicKeys: [rsa.publicJwk, ec256.publicJwk, ec384.publicJwk], ...options.app }]
    })
    const capture = newCapture()
    const http = sandboxClient(sandbox, capture)
    const auth = yield* OktaOAuth.make({
      domain: origin,
      clientId,
      privateKey: Redacted.make(rsa.pkcs8),
      keyId: "rsa-kid-1",
      ...options.oauth
    }).pipe(Effect.provideService(HttpClient.HttpClient, http))
    const get = (path: string) => call(auth, http, `${origin}${path}`)
    return { sandbox, capture, http, auth, get }
  })

const keyError = (privateKey: string, extra: Partial<OktaOAuth.Options> = {}) =>
  OktaOAuth.make({ domain: origin, clientId, privateKey: Redacted.make(privateKey), ...extra }).pipe(
    Effect.provideService(HttpClient.HttpClient, sandboxClient({} as SandboxOAuth.Service, newCapture())),
    Effect.scoped,
    Effect.flip
  )

const tempFile = (content: string) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-oauth-"))
  const file = Path.join(dir, "key.pem")
  Fs.writeFileSync(file, content)
  return file
}

const headerOf = (assertion: string) => Jose.decodeProtectedHeader(assertion)

describe("OktaOAuth keys", () => {
  const cases: ReadonlyArray<readonly [string, () => string, string, string | undefined]> = [
    ["an RSA PKCS#8 PEM", () => rsa.pkcs8, "RS256", undefined],
    ["an RSA PKCS#1 PEM", () => rsa.traditional, "RS256", undefined],
    ["an EC P-256 SEC1 PEM", () => ec256.traditional, "ES256", undefined],
    [
      "an EC P-256 PKCS#8 PEM with escaped newlines (as in .env files)",
      () => ec256.pkcs8.replace(/\n/g, "\\n"),
      "ES256",
      undefined
    ],
    ["an EC P-384 JWK, kid taken from the JWK", () => JSON.stringify(ec384.privateJwk), "ES384", "ec-kid-384"],
    ["an RSA JWK with alg RS512", () => JSON.stringify({ ...rsa.privateJwk, alg: "RS512" }), "RS512", "rsa-kid-1"],
    ["an RSA PEM from @file", () => `@${tempFile(rsa.pkcs8)}`, "RS256", undefined],
    ["an EC JWK from @file", () => `@${tempFile(JSON.stringify(ec256.privateJwk))}`, "ES256", "ec-kid-256"]
  ]
  for (const [name, key, alg, kid] of cases) {
    it.scoped(`signs the client assertion with ${name} (${alg})`, () =>
      Effect.gen(function*() {
        const { auth, capture, get } = yield* setup({ oauth: { privateKey: Redacted.make(key()), keyId: undefined } })
        expect(yield* get("/api/v1/users/jsmith")).toBe(200)
        expect(auth.scheme).toBe("Bearer")
        const header = headerOf(capture.assertions[0])
        expect(header.alg).toBe(alg)
        expect(header.kid).toBe(kid)
        const claims = Jose.decodeJwt(capture.assertions[0])
        expect(claims).toMatchObject({ iss: clientId, sub: clientId, aud: tokenUrl })
        expect(claims.exp! - claims.iat!).toBe(300)
      }))
  }

  it.scoped("sends OKTA_KEY_ID as the assertion's kid", () =>
    Effect.gen(function*() {
      const { capture, get } = yield* setup({ oauth: { keyId: "rsa-kid-1" } })
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      expect(headerOf(capture.assertions[0]).kid).toBe("rsa-kid-1")
    }))

  const tooShort = Crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey
  const ed25519 = Crypto.generateKeyPairSync("ed25519").privateKey
  const bad: ReadonlyArray<readonly [string, string, RegExp]> = [
    ["a public key PEM", rsa.publicPem, /public key/],
    ["a public JWK", JSON.stringify(ec256.publicJwk), /public key/],
    ["garbage", "not a key at all 0123456789abcdef", /neither a PEM private key nor a JWK/],
    ["a broken PEM", "-----BEGIN PRIVATE KEY-----\nAAAAsecretish\n-----END PRIVATE KEY-----", /not a readable PEM/],
    ["broken JSON", `{"kty":"RSA","d":"${"x".repeat(40)}"`, /not valid JSON/],
    ["a JWK with an unsupported alg", JSON.stringify({ ...rsa.privateJwk, alg: "HS256" }), /HS256.*not supported/],
    ["an EC key declared RS256", JSON.stringify({ ...ec256.privateJwk, alg: "RS256" }), /signs with ES256, not RS256/],
    ["an Ed25519 key", ed25519.export({ type: "pkcs8", format: "pem" }).toString(), /ed25519 key; use an RSA or EC/],
    ["a 1024-bit RSA key (cannot sign)", tooShort.export({ type: "pkcs8", format: "pem" }).toString(), /cannot sign/],
    ["an encryption-only JWK", JSON.stringify({ ...rsa.privateJwk, use: "enc" }), /not for signing/],
    [
      "a missing @file",
      "@/nonexistent/enrich/key.pem",
      /cannot read the key file \/nonexistent\/enrich\/key.pem \(no such file\)/
    ],
    ["an empty value", "  ", /is empty/]
  ]
  for (const [name, key, reason] of bad) {
    it.effect(`refuses ${name} when the layer is built, naming OKTA_PRIVATE_KEY and quoting no key material`, () =>
      Effect.gen(function*() {
        const error = yield* keyError(key)
        expect(error._tag).toBe("OktaConfigError")
        expect(error.message).toMatch(/^OKTA_PRIVATE_KEY: /)
        expect(error.message).toMatch(reason)
        // Every 16-character window of the key, except the PEM armour lines (a file path is no secret).
        for (let i = 0; !key.startsWith("@") && i + 16 <= key.length; i += 8) {
          const chunk = key.slice(i, i + 16)
          if (!/^[-A-Z ]+$/.test(chunk) && !chunk.includes("key at all")) expect(error.message).not.toContain(chunk)
        }
      }))
  }

  it.effect("refuses an OKTA_KEY_ID that contradicts the JWK's kid, naming OKTA_KEY_ID", () =>
    Effect.gen(function*() {
      const error = yield* keyError(JSON.stringify(ec256.privateJwk), { keyId: "other" })
      expect(error.message).toMatch(/^OKTA_KEY_ID: is other but the JWK in OKTA_PRIVATE_KEY has kid ec-kid-256/)
    }))

  it.effect("names the SDK's variable when the key came from OKTA_CLIENT_PRIVATEKEY", () =>
    Effect.gen(function*() {
      const error = yield* keyError(rsa.publicPem, { variables: { privateKey: "OKTA_CLIENT_PRIVATEKEY" } })
      expect(error.message).toMatch(/^OKTA_CLIENT_PRIVATEKEY: is a public key/)
    }))

  it.effect("refuses scopes without okta.users.read at start-up", () =>
    Effect.gen(function*() {
      const error = yield* keyError(rsa.pkcs8, { scopes: ["okta.roles.read"] })
      expect(error.message).toMatch(/^OKTA_SCOPES: must include okta.users.read/)
    }))
})

describe("OktaOAuth configuration", () => {
  const load = (env: Record<string, string>, activity = false) =>
    OktaOAuth.load({ activity }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

  it.effect("reads OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_KEY_ID, OKTA_SCOPES and OKTA_DPOP", () =>
    Effect.gen(function*() {
      const options = yield* load({
        OKTA_DOMAIN: "acme.okta.com",
        OKTA_CLIENT_ID: clientId,
        OKTA_PRIVATE_KEY: "@/keys/app.pem",
        OKTA_KEY_ID: "kid-1",
        OKTA_SCOPES: "okta.users.read,okta.logs.read",
        OKTA_DPOP: "true"
      })
      const value = Option.getOrThrow(options)
      expect(value).toMatchObject({
        domain: "acme.okta.com",
        clientId,
        keyId: "kid-1",
        scopes: ["okta.users.read", "okta.logs.read"],
        dpop: true,
        variables: { privateKey: "OKTA_PRIVATE_KEY", keyId: "OKTA_KEY_ID" }
      })
      expect(Redacted.value(value.privateKey)).toBe("@/keys/app.pem")
      expect(String(value.privateKey)).not.toContain("keys")
    }))

  it.effect("accepts the Okta Node SDK's OKTA_CLIENT_* names", () =>
    Effect.gen(function*() {
      const options = yield* load({
        OKTA_CLIENT_ORGURL: "https://acme.okta.com",
        OKTA_CLIENT_AUTHORIZATIONMODE: "PrivateKey",
        OKTA_CLIENT_CLIENTID: clientId,
        OKTA_CLIENT_PRIVATEKEY: "pem",
        OKTA_CLIENT_KEYID: "kid-2",
        OKTA_CLIENT_SCOPES: "okta.users.read okta.roles.read"
      }, true)
      expect(Option.getOrThrow(options)).toMatchObject({
        domain: "https://acme.okta.com",
        clientId,
        keyId: "kid-2",
        scopes: ["okta.users.read", "okta.roles.read"],
        activity: true,
        variables: { privateKey: "OKTA_CLIENT_PRIVATEKEY", keyId: "OKTA_CLIENT_KEYID" }
      })
    }))

  it.effect("is None without OAuth variables, or with the SDK's authorizationMode SSWS", () =>
    Effect.gen(function*() {
      expect(Option.isNone(yield* load({ OKTA_DOMAIN: "acme.okta.com", OKTA_API_TOKEN: "t" }))).toBe(true)
      const sdkSsws = { OKTA_CLIENT_AUTHORIZATIONMODE: "SSWS", OKTA_CLIENT_TOKEN: "t", OKTA_CLIENT_CLIENTID: "x" }
      expect(Option.isNone(yield* load(sdkSsws))).toBe(true)
    }))

  it.effect("refuses OKTA_API_TOKEN together with OAuth, naming both variables", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        load({ OKTA_DOMAIN: "acme.okta.com", OKTA_API_TOKEN: "00secret-token", OKTA_CLIENT_ID: clientId })
      )
      expect(error.message).toContain("OKTA_API_TOKEN and OKTA_CLIENT_ID")
      expect(error.message).not.toContain("00secret-token")
      const sdk = yield* Effect.flip(load({ OKTA_CLIENT_TOKEN: "00secret", OKTA_CLIENT_CLIENTID: clientId }))
      expect(sdk.message).toContain("OKTA_CLIENT_TOKEN and OKTA_CLIENT_CLIENTID")
    }))

  it.effect("names what is missing: the private key, the domain, a bad authorization mode", () =>
    Effect.gen(function*() {
      const noKey = yield* Effect.flip(load({ OKTA_DOMAIN: "acme.okta.com", OKTA_CLIENT_ID: clientId }))
      expect(noKey.message).toMatch(/^OKTA_PRIVATE_KEY: is not set/)
      const noDomain = yield* Effect.flip(load({ OKTA_CLIENT_ID: clientId, OKTA_PRIVATE_KEY: "k" }))
      expect(noDomain.message).toMatch(/^OKTA_DOMAIN: is not set/)
      const mode = yield* Effect.flip(load({ OKTA_CLIENT_AUTHORIZATIONMODE: "Basic" }))
      expect(mode.message).toMatch(/^OKTA_CLIENT_AUTHORIZATIONMODE: must be SSWS or PrivateKey/)
    }))

  it.scoped("asks for okta.users.read okta.roles.read by default, plus okta.logs.read with activity", () =>
    Effect.gen(function*() {
      const plain = yield* setup()
      yield* plain.get("/api/v1/users/jsmith")
      expect(plain.capture.tokenScopes).toEqual(["okta.users.read okta.roles.read"])
      const activity = yield* setup({ oauth: { activity: true } })
      yield* activity.get("/api/v1/users/jsmith")
      expect(activity.capture.tokenScopes).toEqual(["okta.users.read okta.roles.read okta.logs.read"])
      expect(yield* activity.auth.grantedScopes).toEqual(
        new Set(["okta.users.read", "okta.roles.read", "okta.logs.read"])
      )
    }))

  it.scoped("layerConfig provides OktaAuth (the service itself: OktaOAuthError is an OktaError) and redacts DPoP", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* SandboxOAuth.make({ apps: [] })
      const http = sandboxClient(sandbox, newCapture())
      const layer = OktaOAuth.layerConfig(OktaOAuth.config()).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, http))
      )
      const env = new Map([["OKTA_DOMAIN", "acme.okta.com"], ["OKTA_CLIENT_ID", "0oaunknown"], [
        "OKTA_PRIVATE_KEY",
        rsa.pkcs8
      ]])
      yield* Effect.gen(function*() {
        const auth = yield* OktaAuth.OktaAuth
        const error = yield* Effect.flip(auth.authenticate(HttpClientRequest.get(`${origin}/api/v1/users/x`)))
        expect(error._tag).toBe("OktaOAuthError")
        expect(error.message).toContain("invalid_client")
        expect(error.message).toContain("check OKTA_CLIENT_ID")
        expect(yield* FiberRef.get(Headers.currentRedactedNames)).toContain("dpop")
      }).pipe(Effect.provide(layer), Effect.withConfigProvider(ConfigProvider.fromMap(env)))
    }))
})

describe("OktaOAuth token", () => {
  it.scoped("invalid_client is a typed error saying what to check", () =>
    Effect.gen(function*() {
      const { auth } = yield* setup({ oauth: { clientId: "0oawrong" } })
      const error = yield* Effect.flip(auth.authenticate(HttpClientRequest.get(`${origin}/api/v1/users/x`)))
      expect(error._tag).toBe("OktaOAuthError")
      expect(error.message).toMatch(/invalid_client.*check OKTA_CLIENT_ID/)
    }))

  it.scoped("1,000 concurrent callers make one token request, and again one at expiry", () =>
    Effect.gen(function*() {
      const { auth, capture } = yield* setup()
      const request = HttpClientRequest.get(`${origin}/api/v1/users/x`)
      const everyone = Effect.all(Array.from({ length: 1000 }, () => auth.authenticate(request)), {
        concurrency: "unbounded"
      })
      const first = yield* everyone
      expect(capture.tokenRequests).toBe(1)
      expect(new Set(first.map((r) => r.headers["authorization"])).size).toBe(1)

      yield* TestClock.adjust("58 minutes") // token lives 1 hour, refreshed 60 s early
      yield* everyone
      expect(capture.tokenRequests).toBe(1)

      yield* TestClock.adjust("1 minute")
      const second = yield* everyone
      expect(capture.tokenRequests).toBe(2)
      expect(second[0].headers["authorization"]).not.toBe(first[0].headers["authorization"])
      expect(new Set(second.map((r) => r.headers["authorization"])).size).toBe(1)
    }))

  it.scoped("a failed token request fails every waiting caller with one request, and the next call tries again", () =>
    Effect.gen(function*() {
      const { auth, capture, sandbox } = yield* setup({ oauth: { clientId: "0oalate" } })
      const request = HttpClientRequest.get(`${origin}/api/v1/users/x`)
      const results = yield* Effect.all(
        Array.from({ length: 100 }, () => Effect.exit(auth.authenticate(request))),
        { concurrency: "unbounded" }
      )
      expect(results.every(Exit.isFailure)).toBe(true)
      expect(capture.tokenRequests).toBe(1)
      yield* sandbox.register({ clientId: "0oalate", publicKeys: [rsa.publicJwk] })
      yield* auth.authenticate(request)
      expect(capture.tokenRequests).toBe(2)
    }))

  it.scoped("a revoked token: the 401 refreshes once and the request is retried once", () =>
    Effect.gen(function*() {
      const { capture, get, sandbox } = yield* setup()
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      const issued = capture.secrets.find((s) => !s.includes("."))!
      yield* sandbox.revoke(issued)
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      expect(capture.tokenRequests).toBe(2)
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      expect(capture.tokenRequests).toBe(2)
    }))

  it.scoped("invalid_scope: drops the optional scopes Okta names, with a warning, and asks again", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const { auth, capture, get } = yield* setup({
        app: { scopes: ["okta.users.read", "okta.roles.read"] },
        oauth: { activity: true }
      })
      expect(yield* get("/api/v1/users/jsmith").pipe(Effect.provide(logs.layer))).toBe(200)
      expect(capture.tokenScopes).toEqual([
        "okta.users.read okta.roles.read okta.logs.read",
        "okta.users.read okta.roles.read"
      ])
      expect(yield* auth.grantedScopes).toEqual(new Set(["okta.users.read", "okta.roles.read"]))
      expect(logs.lines.join("\n")).toMatch(/did not grant the service app the scope\(s\) okta.logs.read/)
    }))

  it.scoped("a missing okta.users.read is a clear error", () =>
    Effect.gen(function*() {
      const { auth } = yield* setup({ app: { scopes: ["okta.roles.read"] } })
      const error = yield* Effect.flip(auth.grantedScopes)
      expect(error._tag).toBe("OktaOAuthError")
      expect(error.message).toMatch(/invalid_scope.*okta.users.read.*grant the app the Okta API scope okta.users.read/)
    }))

  it.scoped("a 403 insufficient_scope is remembered as a missing scope, with one warning", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const { auth, get } = yield* setup({ oauth: { scopes: ["okta.users.read"] } })
      const roles = get("/api/v1/users/00u1/roles").pipe(Effect.provide(logs.layer))
      expect(yield* roles).toBe(403)
      expect(yield* roles).toBe(403)
      expect(yield* auth.missingScopes).toEqual(new Set(["okta.roles.read"]))
      expect(logs.lines.filter((l) => l.includes("lack of the scope okta.roles.read"))).toHaveLength(1)
      expect(yield* get("/api/v1/users/00u1")).toBe(200)
    }))
})

describe("OktaOAuth DPoP", () => {
  it.scoped("when the app requires DPoP: proof asked for, nonce dance, then DPoP token and proofs on resources", () =>
    Effect.gen(function*() {
      const { auth, capture, get } = yield* setup({ app: { requireDpop: true } })
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      expect(capture.tokenRequests).toBe(3) // no proof -> invalid_dpop_proof; no nonce -> use_dpop_nonce; ok
      expect(auth.scheme).toBe("DPoP")
      const sent = yield* auth.authenticate(HttpClientRequest.get(`${origin}/api/v1/users/jsmith?expand=x#f`))
      expect(sent.headers["authorization"]).toMatch(/^DPoP /)
      const proof = sent.headers["dpop"]
      expect(Jose.decodeProtectedHeader(proof)).toMatchObject({ typ: "dpop+jwt", alg: "ES256" })
      const claims = Jose.decodeJwt(proof)
      expect(claims).toMatchObject({ htm: "GET", htu: `${origin}/api/v1/users/jsmith` })
      const token = sent.headers["authorization"].slice(5)
      expect(claims.ath).toBe(Crypto.createHash("sha256").update(token).digest("base64url"))
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      expect(capture.tokenRequests).toBe(3)
    }))

  it.scoped("OKTA_DPOP=true uses DPoP from the first token request", () =>
    Effect.gen(function*() {
      const { auth, capture, get } = yield* setup({ oauth: { dpop: true } })
      expect(auth.scheme).toBe("DPoP")
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
      expect(capture.tokenRequests).toBe(2) // use_dpop_nonce, then the token
      expect(auth.scheme).toBe("DPoP")
    }))

  it.scoped("a resource server's nonce challenge is retried once with the new nonce", () =>
    Effect.gen(function*() {
      const { auth, http } = yield* setup({ oauth: { dpop: true }, sandbox: { resourceNonce: true } })
      const request = HttpClientRequest.get(`${origin}/api/v1/users/jsmith`)
      const sent = yield* auth.authenticate(request)
      const refused = yield* http.execute(sent)
      expect(refused.status).toBe(401)
      expect(refused.headers["www-authenticate"]).toMatch(/^DPoP error="use_dpop_nonce"/)
      expect(yield* auth.challenge(sent, refused)).toBe("retry")
      const again = yield* auth.authenticate(request)
      expect(Jose.decodeJwt(again.headers["dpop"]).nonce).toBe(refused.headers["dpop-nonce"])
      expect((yield* http.execute(again)).status).toBe(200)
    }))

  it.live("the whole dance over real HTTP: DPoP required, nonces on token and resource, revocation", () =>
    Effect.gen(function*() {
      const sandbox = yield* SandboxOAuth.make({
        apps: [{ clientId, publicKeys: [ec256.publicJwk], requireDpop: true }],
        resourceNonce: true
      })
      const capture = newCapture()
      const url = yield* sandboxServer(sandbox, capture)
      const http = yield* HttpClient.HttpClient
      const auth = yield* OktaOAuth.make({ domain: url, clientId, privateKey: Redacted.make(ec256.traditional) })
      expect(yield* call(auth, http, `${url}/api/v1/users/jsmith?limit=1`)).toBe(200)
      expect(yield* call(auth, http, `${url}/api/v1/users/jsmith/roles`)).toBe(200)
      yield* sandbox.revoke(capture.secrets.find((s) => !s.includes("."))!)
      expect(yield* call(auth, http, `${url}/api/v1/users/jsmith`)).toBe(200)
      // 3 for the first token (DPoP asked for, nonce asked for, token); 1 after revocation (the nonce is known)
      expect(capture.tokenRequests).toBe(4)
      expect(auth.scheme).toBe("DPoP")
    }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici)))
})

describe("OktaOAuth secrecy", () => {
  it.scoped("no token, key, assertion or proof in any log line (at every level) or error message", () =>
    Effect.gen(function*() {
      const logs = captureLogs()
      const errors: Array<string> = []
      yield* Effect.gen(function*() {
        const { auth, capture, get, sandbox } = yield* setup({
          app: { requireDpop: true, scopes: ["okta.users.read", "okta.roles.read"] },
          oauth: { activity: true },
          sandbox: { resourceNonce: true }
        })
        yield* get("/api/v1/users/jsmith")
        yield* get("/api/v1/logs")
        yield* sandbox.revoke(capture.secrets.find((s) => !s.includes("."))!)
        yield* get("/api/v1/users/jsmith")
        const wrong = yield* setup({ oauth: { clientId: "0oawrong" } })
        errors.push((yield* Effect.flip(wrong.get("/api/v1/users/x"))).message)
        for (const bad of [rsa.publicPem, "garbage" + rsa.pkcs8.slice(30)]) {
          errors.push((yield* keyError(bad)).message)
        }
        errors.push(JSON.stringify(auth), String(auth.scheme))
        yield* Effect.logDebug("done", capture.tokenRequests)
        const everything = [...logs.lines, ...errors].join("\n")
        expect(logs.lines.length).toBeGreaterThan(1)
        expect(capture.secrets.length).toBeGreaterThan(10)
        for (const secret of capture.secrets) expect(everything).not.toContain(secret)
        for (const part of [rsa.privateJwk.d!, ec256.privateJwk.d!, rsa.pkcs8.split("\n")[3]]) {
          expect(everything).not.toContain(part)
        }
      }).pipe(Effect.provide(logs.layer), Logger.withMinimumLogLevel(LogLevel.All))
    }))
})

describe("OktaOAuth with the demo key pair", () => {
  it.scoped("generateDemoKeyPair's private JWK authenticates against its registered public JWK", () =>
    Effect.gen(function*() {
      const demo = yield* SandboxOAuth.generateDemoKeyPair({ clientId: "0oademo" })
      expect(demo.env[0]).toBe("OKTA_CLIENT_ID=0oademo")
      expect(demo.env[1]).toMatch(/^OKTA_PRIVATE_KEY='\{.*"d":/)
      expect(demo.publicJwk).not.toHaveProperty("d")
      const { get } = yield* setup({
        app: { clientId: "0oademo", publicKeys: [demo.publicJwk] },
        oauth: { clientId: "0oademo", privateKey: Redacted.make(JSON.stringify(demo.privateJwk)), keyId: undefined }
      })
      expect(yield* get("/api/v1/users/jsmith")).toBe(200)
    }))
})
