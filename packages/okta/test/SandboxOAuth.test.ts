import { describe, expect, it } from "@effect/vitest"
import { SandboxOAuth } from "@enrich/okta/testing"
import { Effect, TestClock } from "effect"
import * as Jose from "jose"
import * as Crypto from "node:crypto"
import { clientId, origin, rsa, tokenUrl } from "./support/oauth.js"

const start = Date.parse("2026-03-01T09:00:00Z")
const seconds = (millis: number) => Math.floor(millis / 1000)

const rsaKey = () => Jose.importJWK(rsa.privateJwk, "RS256")

/** A client assertion, valid unless told otherwise. */
const assertion = (
  now: number,
  claims: Record<string, unknown> = {},
  key: Promise<Parameters<Jose.SignJWT["sign"]>[0]> = rsaKey()
) =>
  Effect.promise(async () =>
    new Jose.SignJWT({ jti: Crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "rsa-kid-1" })
      .setIssuer(String(claims.iss ?? clientId))
      .setSubject(clientId)
      .setAudience(String(claims.aud ?? tokenUrl))
      .setIssuedAt(seconds(now))
      .setExpirationTime(seconds(now) + 300)
      .sign(await key)
  )

const dpopPair = () => Effect.promise(() => Jose.generateKeyPair("ES256"))

/** A DPoP proof, valid unless told otherwise. */
const proof = (
  keys: { privateKey: Jose.CryptoKey; publicKey: Jose.CryptoKey },
  now: number,
  claims: Record<string, unknown>
) =>
  Effect.promise(async () =>
    new Jose.SignJWT({ jti: Crypto.randomUUID(), iat: seconds(now), ...claims })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: await Jose.exportJWK(keys.publicKey) })
      .sign(keys.privateKey)
  )

const form = (clientAssertion: string, scope = "okta.users.read") =>
  new URLSearchParams({
    grant_type: "client_credentials",
    scope,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: clientAssertion
  }).toString()

const ath = (token: string) => Crypto.createHash("sha256").update(token).digest("base64url")

const setup = (options: SandboxOAuth.Options = {}, app: Partial<SandboxOAuth.App> = {}) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const sandbox = yield* SandboxOAuth.make({
      ...options,
      apps: [{ clientId, publicKeys: [rsa.publicJwk], ...app }]
    })
    const post = (body: string, headers: Record<string, string> = {}) =>
      sandbox.token({ method: "POST", url: tokenUrl, headers, body })
    return { sandbox, post }
  })

const body = (reply: SandboxOAuth.Reply) => reply.body as Record<string, string>

describe("SandboxOAuth token endpoint", () => {
  it.effect("issues a Bearer token for a valid assertion, with the granted scopes and expiry", () =>
    Effect.gen(function*() {
      const { post } = yield* setup()
      const reply = yield* post(form(yield* assertion(start), "okta.users.read okta.roles.read"))
      expect(reply.status).toBe(200)
      expect(body(reply)).toMatchObject({
        token_type: "Bearer",
        expires_in: 3600,
        scope: "okta.users.read okta.roles.read"
      })
      expect(body(reply).access_token).toMatch(/^[\w-]{40,}$/)
    }))

  it.effect("refuses a replayed assertion (same jti)", () =>
    Effect.gen(function*() {
      const { post } = yield* setup()
      const once = yield* assertion(start)
      expect((yield* post(form(once))).status).toBe(200)
      const replay = yield* post(form(once))
      expect(replay.status).toBe(401)
      expect(body(replay)).toMatchObject({ error: "invalid_client" })
      expect(body(replay).error_description).toMatch(/already been used/)
    }))

  it.effect("refuses a wrong aud, an unknown iss, an expired assertion and a signature by another key", () =>
    Effect.gen(function*() {
      const { post } = yield* setup()
      const wrongAud = yield* assertion(start, { aud: `${origin}/oauth2/default/v1/token` })
      const unknown = yield* assertion(start, { iss: "0oaother" })
      const otherKey = yield* assertion(
        start,
        {},
        Promise.resolve(Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey)
      )
      const expired = yield* assertion(start)
      yield* TestClock.adjust("6 minutes")
      for (const bad of [wrongAud, unknown, otherKey, expired]) {
        const reply = yield* post(form(bad))
        expect(reply.status).toBe(401)
        expect(body(reply).error).toBe("invalid_client")
      }
    }))

  it.effect("invalid_scope names the scopes the app was not granted", () =>
    Effect.gen(function*() {
      const { post } = yield* setup({}, { scopes: ["okta.users.read"] })
      const reply = yield* post(form(yield* assertion(start), "okta.users.read okta.roles.read okta.logs.read"))
      expect(reply.status).toBe(400)
      expect(body(reply)).toEqual({
        error: "invalid_scope",
        error_description: "The following scopes are not granted to the client: okta.roles.read okta.logs.read"
      })
    }))

  it.effect("an app that requires DPoP refuses a request without a proof", () =>
    Effect.gen(function*() {
      const { post } = yield* setup({}, { requireDpop: true })
      const reply = yield* post(form(yield* assertion(start)))
      expect(body(reply)).toMatchObject({ error: "invalid_dpop_proof" })
    }))
})

describe("SandboxOAuth DPoP at the token endpoint", () => {
  it.effect("asks for a nonce (400 use_dpop_nonce + DPoP-Nonce), then binds the token to the proof's key", () =>
    Effect.gen(function*() {
      const { post, sandbox } = yield* setup()
      const keys = yield* dpopPair()
      const first = yield* post(form(yield* assertion(start)), {
        dpop: yield* proof(keys, start, { htm: "POST", htu: tokenUrl })
      })
      expect(first.status).toBe(400)
      expect(body(first).error).toBe("use_dpop_nonce")
      const nonce = first.headers["dpop-nonce"]
      expect(nonce).toMatch(/^[\w-]+$/)
      const second = yield* post(form(yield* assertion(start)), {
        dpop: yield* proof(keys, start, { htm: "POST", htu: tokenUrl, nonce })
      })
      expect(body(second).token_type).toBe("DPoP")
      const token = body(second).access_token
      const resourceUrl = `${origin}/api/v1/users/jsmith`
      const ok = yield* sandbox.verifyResourceRequest({
        method: "GET",
        url: resourceUrl,
        headers: {
          authorization: `DPoP ${token}`,
          dpop: yield* proof(keys, start, { htm: "GET", htu: resourceUrl, ath: ath(token) })
        }
      }, "okta.users.read")
      expect(ok._tag).toBe("Authorized")

      // Same token, proof signed by another key: the cnf.jkt binding refuses it.
      const thief = yield* dpopPair()
      const stolen = yield* sandbox.verifyResourceRequest({
        method: "GET",
        url: resourceUrl,
        headers: {
          authorization: `DPoP ${token}`,
          dpop: yield* proof(thief, start, { htm: "GET", htu: resourceUrl, ath: ath(token) })
        }
      }, "okta.users.read")
      expect(stolen._tag === "Refused" && stolen.reply.headers["www-authenticate"]).toMatch(/invalid_token/)

      // Sent as Bearer, a DPoP-bound token is refused.
      const asBearer = yield* sandbox.verifyResourceRequest({
        method: "GET",
        url: resourceUrl,
        headers: { authorization: `Bearer ${token}` }
      }, "okta.users.read")
      expect(asBearer._tag === "Refused" && asBearer.reply.status).toBe(401)
    }))

  const invalid: ReadonlyArray<readonly [string, (now: number) => Record<string, unknown>]> = [
    ["a wrong htm", () => ({ htm: "GET", htu: tokenUrl })],
    ["a wrong htu", () => ({ htm: "POST", htu: `${origin}/oauth2/default/v1/token` })],
    ["an htu with a query", () => ({ htm: "POST", htu: `${tokenUrl}?x=1` })],
    ["a stale iat", (now) => ({ htm: "POST", htu: tokenUrl, iat: seconds(now) - 600 })],
    ["an ath at the token endpoint", () => ({ htm: "POST", htu: tokenUrl, ath: ath("x") })]
  ]
  for (const [name, claims] of invalid) {
    it.effect(`refuses a proof with ${name} (invalid_dpop_proof)`, () =>
      Effect.gen(function*() {
        const { post } = yield* setup({ tokenNonce: false })
        const reply = yield* post(form(yield* assertion(start)), {
          dpop: yield* proof(yield* dpopPair(), start, claims(start))
        })
        expect(reply.status).toBe(400)
        expect(body(reply).error).toBe("invalid_dpop_proof")
      }))
  }

  it.effect("refuses a replayed proof, a proof with a private jwk, a wrong typ and a bad signature", () =>
    Effect.gen(function*() {
      const { post } = yield* setup({ tokenNonce: false })
      const keys = yield* dpopPair()
      const once = yield* proof(keys, start, { htm: "POST", htu: tokenUrl })
      expect((yield* post(form(yield* assertion(start)), { dpop: once })).status).toBe(200)
      expect(body(yield* post(form(yield* assertion(start)), { dpop: once })).error).toBe("invalid_dpop_proof")

      const exportable = yield* Effect.promise(() => Jose.generateKeyPair("ES256", { extractable: true }))
      const privateJwk = yield* Effect.promise(() => Jose.exportJWK(exportable.privateKey))
      const leaky = yield* Effect.promise(() =>
        new Jose.SignJWT({ htm: "POST", htu: tokenUrl, jti: "j1", iat: seconds(start) })
          .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: privateJwk })
          .sign(exportable.privateKey)
      )
      const wrongTyp = yield* Effect.promise(async () =>
        new Jose.SignJWT({ htm: "POST", htu: tokenUrl, jti: "j2", iat: seconds(start) })
          .setProtectedHeader({ typ: "JWT", alg: "ES256", jwk: await Jose.exportJWK(keys.publicKey) })
          .sign(keys.privateKey)
      )
      const [h, p, s] = (yield* proof(keys, start, { htm: "POST", htu: tokenUrl })).split(".")
      const tampered = `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`
      for (const bad of [leaky, wrongTyp, tampered]) {
        expect(body(yield* post(form(yield* assertion(start)), { dpop: bad })).error).toBe("invalid_dpop_proof")
      }
    }))
})

describe("SandboxOAuth resource requests", () => {
  const issue = (post: (body: string) => Effect.Effect<SandboxOAuth.Reply>, scope: string) =>
    Effect.map(Effect.flatMap(assertion(start), (a) => post(form(a, scope))), (reply) => body(reply).access_token)

  it.effect("403 insufficient_scope with WWW-Authenticate naming the scope; 200 with it", () =>
    Effect.gen(function*() {
      const { post, sandbox } = yield* setup()
      const token = yield* issue(post, "okta.users.read")
      const request = {
        method: "GET",
        url: `${origin}/api/v1/users/00u1/roles`,
        headers: { authorization: `Bearer ${token}` }
      }
      const refused = yield* sandbox.verifyResourceRequest(request, "okta.roles.read")
      expect(refused._tag).toBe("Refused")
      if (refused._tag === "Refused") {
        expect(refused.reply.status).toBe(403)
        expect(refused.reply.headers["www-authenticate"]).toMatch(
          /^Bearer error="insufficient_scope", .*scope="okta.roles.read"/
        )
      }
      expect((yield* sandbox.verifyResourceRequest(request, "okta.users.read"))._tag).toBe("Authorized")
    }))

  it.effect("401 invalid_token for an expired (TestClock), revoked or unknown token", () =>
    Effect.gen(function*() {
      const { post, sandbox } = yield* setup()
      const check = (token: string) =>
        sandbox.verifyResourceRequest({
          method: "GET",
          url: `${origin}/api/v1/users/x`,
          headers: { authorization: `Bearer ${token}` }
        }, "okta.users.read")
      const expiring = yield* issue(post, "okta.users.read")
      const revoked = yield* issue(post, "okta.users.read")
      expect((yield* check(expiring))._tag).toBe("Authorized")
      yield* sandbox.revoke(revoked)
      const r = yield* check(revoked)
      expect(r._tag === "Refused" && r.reply.headers["www-authenticate"]).toMatch(/^Bearer error="invalid_token"/)
      expect((yield* check("made-up"))._tag).toBe("Refused")
      yield* TestClock.adjust("59 minutes")
      expect((yield* check(expiring))._tag).toBe("Authorized")
      yield* TestClock.adjust("1 minute")
      const expired = yield* check(expiring)
      expect(expired._tag === "Refused" && expired.reply.status).toBe(401)
    }))

  it.effect("DPoP resource proofs: wrong ath, htm or htu refused; the nonce challenge; a replayed proof refused", () =>
    Effect.gen(function*() {
      const { post, sandbox } = yield* setup({ tokenNonce: false, resourceNonce: true })
      const keys = yield* dpopPair()
      const tokenReply = yield* post(form(yield* assertion(start)), {
        dpop: yield* proof(keys, start, { htm: "POST", htu: tokenUrl })
      } as Record<string, string>)
      const token = body(tokenReply).access_token
      const url = `${origin}/api/v1/users/jsmith`
      const send = (claims: Record<string, unknown>) =>
        Effect.flatMap(
          proof(keys, start, claims),
          (dpop) =>
            sandbox.verifyResourceRequest({
              method: "GET",
              url: `${url}?expand=x`,
              headers: { authorization: `DPoP ${token}`, dpop }
            }, "okta.users.read")
        )
      const challenge = yield* send({ htm: "GET", htu: url, ath: ath(token) })
      expect(challenge._tag).toBe("Refused")
      if (challenge._tag !== "Refused") return
      expect(challenge.reply.status).toBe(401)
      expect(challenge.reply.headers["www-authenticate"]).toMatch(/^DPoP error="use_dpop_nonce"/)
      const nonce = challenge.reply.headers["dpop-nonce"]
      for (
        const bad of [
          { htm: "GET", htu: url, ath: ath("another token"), nonce },
          { htm: "POST", htu: url, ath: ath(token), nonce },
          { htm: "GET", htu: `${origin}/api/v1/users/other`, ath: ath(token), nonce },
          { htm: "GET", htu: url, nonce }
        ]
      ) {
        const refused = yield* send(bad)
        expect(refused._tag === "Refused" && refused.reply.headers["www-authenticate"]).toMatch(/invalid_dpop_proof/)
      }
      const good = yield* proof(keys, start, { htm: "GET", htu: url, ath: ath(token), nonce })
      const twice = () =>
        sandbox.verifyResourceRequest(
          { method: "GET", url, headers: { authorization: `DPoP ${token}`, dpop: good } },
          "okta.users.read"
        )
      expect((yield* twice())._tag).toBe("Authorized")
      const replay = yield* twice()
      expect(replay._tag === "Refused" && replay.reply.headers["www-authenticate"]).toMatch(/already used/)
    }))
})

describe("SandboxOAuth demo key pair", () => {
  it.effect("prints env lines with the private JWK; the public JWK has no private part and shares the kid", () =>
    Effect.gen(function*() {
      const demo = yield* SandboxOAuth.generateDemoKeyPair({ algorithm: "ES256" })
      expect(demo.publicJwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", kid: demo.privateJwk.kid })
      expect(demo.publicJwk).not.toHaveProperty("d")
      expect(demo.env).toEqual([
        `OKTA_CLIENT_ID=${demo.clientId}`,
        `OKTA_PRIVATE_KEY='${JSON.stringify(demo.privateJwk)}'`
      ])
    }))
})
