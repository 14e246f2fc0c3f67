/**
 * OAuth through the real binary: `--sandbox --sandbox-auth oauth` (a demo service app, DPoP), an OAuth app configured
 * from the environment against a sandbox started here (so the test knows the key and sees every token issued),
 * `enrich doctor`, and the configuration errors of the OAuth variables (exit 2, naming the variables). No secret
 * (access token, private key, assertion, proof) appears in stdout or stderr at `--log-level all`.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"
import * as Cli from "./support/Cli.js"

const clientId = "0oa-cli-test-app"
const pair = Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const pem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
const privateJwk = pair.privateKey.export({ format: "jwk" })
const publicJwk = { ...pair.publicKey.export({ format: "jwk" }), kid: "cli-test-kid", alg: "RS256" }

/** What must never be printed: the key (PEM body lines, the JWK's private parts) and any JWT (assertion, proof). */
const keyFragments = [
  ...pem.split("\n").filter((line) => line.length > 0 && !line.startsWith("-----")),
  privateJwk.d!,
  privateJwk.p!,
  privateJwk.q!
]

const expectNoSecret = (output: string, tokens: ReadonlyArray<string>) => {
  for (const fragment of [...keyFragments, ...tokens]) expect(output).not.toContain(fragment)
  // A JWT (client assertion, DPoP proof) starts with the base64url of `{"`.
  expect(output).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/)
}

const SandboxLive = Sandbox.layer({
  oauth: { apps: [{ clientId, publicKeys: [publicJwk], requireDpop: true }], resourceNonce: true }
})

const oauthEnv = Effect.map(Sandbox.Sandbox, (sandbox) => ({
  OKTA_DOMAIN: sandbox.url,
  OKTA_CLIENT_ID: clientId,
  OKTA_PRIVATE_KEY: pem,
  OKTA_KEY_ID: "cli-test-kid"
}))

const extracted = (stdout: string) => JSON.parse(stdout).enrichment.okta.extracted

describe("enrich with an OAuth service app", () => {
  // The sandbox checks token and proof times against its clock: the real one here, as the binary uses.
  layer(SandboxLive, { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("--sandbox --sandbox-auth oauth gives the same fields as SSWS", () =>
      Effect.gen(function*() {
        const [ssws, oauth] = yield* Effect.all([
          Cli.run(["account", "jsmith", "--sandbox"]),
          Cli.run(["account", "jsmith", "--sandbox", "--sandbox-auth", "oauth", "--log-level", "all"])
        ], { concurrency: 2 })
        expect(ssws.code, ssws.stderr).toBe(0)
        expect(oauth.code, oauth.stderr).toBe(0)
        expect(extracted(oauth.stdout)).toEqual(extracted(ssws.stdout))
        expect(extracted(oauth.stdout).is_admin).toBe(false)
        expectNoSecret(oauth.stdout + oauth.stderr, [])
      }), { timeout: 60_000 })

    it.effect(
      "OAuth from the environment (PEM, DPoP, nonces): no token, key, assertion or proof printed",
      () =>
        Effect.gen(function*() {
          const sandbox = yield* Sandbox.Sandbox
          const env = yield* oauthEnv
          const result = yield* Cli.run(["account", "jsmith", "alice.admin", "--log-level", "all"], { env })
          expect(result.code, result.stderr).toBe(0)
          const [jsmith, alice] = JSON.parse(result.stdout)
          expect(jsmith.enrichment.okta.extracted.login).toBe("jsmith@example.com")
          expect(alice.enrichment.okta.extracted.is_admin).toBe(true)
          const tokens = yield* sandbox.oauth.issuedTokens
          expect(tokens.length).toBeGreaterThan(0)
          expectNoSecret(result.stdout + result.stderr, tokens)
        }),
      { timeout: 60_000 }
    )

    it.effect(
      "enrich doctor: org, auth, scopes, the sample request and the headroom; exit 0",
      () =>
        Effect.gen(function*() {
          const sandbox = yield* Sandbox.Sandbox
          const env = yield* oauthEnv
          const result = yield* Cli.run(["doctor", "--log-level", "all"], { env })
          expect(result.code, result.stderr).toBe(0)
          expect(result.stdout).toContain(`org:        ${sandbox.url}`)
          expect(result.stdout).toMatch(/auth: +OAuth 2\.0 service app 0oa-cli-test-app .*DPoP/)
          expect(result.stdout).toMatch(/scopes: +okta\.roles\.read okta\.users\.read\n/)
          expect(result.stdout).toMatch(/sample: +GET \/api\/v1\/users\?limit=1: OK, 1 user/)
          expect(result.stdout).toMatch(/rate limit: +\d+ of 600 left in GET \/api\/v1\/users/)
          expectNoSecret(result.stdout + result.stderr, yield* sandbox.oauth.issuedTokens)
        }),
      { timeout: 60_000 }
    )

    it.effect(
      "enrich doctor --sandbox (SSWS) passes; a refused token fails the check (exit 1)",
      () =>
        Effect.gen(function*() {
          const sandbox = yield* Sandbox.Sandbox
          const ok = yield* Cli.run(["doctor", "--sandbox"])
          expect(ok.code, ok.stderr).toBe(0)
          expect(ok.stdout).toMatch(/auth: +API token \(SSWS\)\n/)
          expect(ok.stdout).toContain("all checks passed")
          const refused = yield* Cli.run(["doctor"], {
            env: { OKTA_DOMAIN: sandbox.url, OKTA_API_TOKEN: "not-the-sandbox-token-0123456789" }
          })
          expect(refused.code, refused.stderr).toBe(1)
          expect(refused.stdout).toMatch(/sample: +GET \/api\/v1\/users\?limit=1: FAILED: Okta refused the credentials/)
          expect(refused.stdout + refused.stderr).not.toContain("not-the-sandbox-token-0123456789")
        }),
      { timeout: 60_000 }
    )
  })

  describe("configuration errors exit 2 and name the variables", () => {
    const cases: ReadonlyArray<readonly [string, Record<string, string>, ReadonlyArray<string>]> = [
      ["an API token and an OAuth app", {
        OKTA_DOMAIN: "acme.okta.com",
        OKTA_API_TOKEN: "00abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        OKTA_CLIENT_ID: clientId,
        OKTA_PRIVATE_KEY: pem
      }, ["OKTA_API_TOKEN", "OKTA_CLIENT_ID"]],
      ["a bad key", { OKTA_DOMAIN: "acme.okta.com", OKTA_CLIENT_ID: clientId, OKTA_PRIVATE_KEY: "not a key" }, [
        "OKTA_PRIVATE_KEY"
      ]],
      ["no client id", { OKTA_DOMAIN: "acme.okta.com", OKTA_PRIVATE_KEY: pem }, ["OKTA_CLIENT_ID"]],
      ["a public key", {
        OKTA_DOMAIN: "acme.okta.com",
        OKTA_CLIENT_ID: clientId,
        OKTA_PRIVATE_KEY: JSON.stringify(publicJwk)
      }, ["OKTA_PRIVATE_KEY"]],
      ["the SDK's names, with its token", {
        OKTA_CLIENT_ORGURL: "https://acme.okta.com",
        OKTA_CLIENT_TOKEN: "00abcdefghijklmnopqrstuvwxyz0123456789ABCD",
        OKTA_CLIENT_CLIENTID: clientId,
        OKTA_CLIENT_PRIVATEKEY: pem
      }, ["OKTA_CLIENT_TOKEN", "OKTA_CLIENT_CLIENTID"]]
    ]
    for (const [name, env, named] of cases) {
      it.effect(`${name}: account and doctor`, () =>
        Effect.gen(function*() {
          for (const args of [["account", "jsmith"], ["doctor"]]) {
            const result = yield* Cli.run(args, { env })
            expect(result.code, result.stderr).toBe(2)
            for (const variable of named) expect(result.stderr).toContain(variable)
            expect(result.stdout).toBe("")
            expectNoSecret(result.stdout + result.stderr, [])
          }
        }), { timeout: 60_000 })
    }
  })
})
