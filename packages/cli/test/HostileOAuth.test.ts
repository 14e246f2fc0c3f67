/**
 * The hostile-input suite for the OAuth variables: what a careless user or an attacker can put in `OKTA_PRIVATE_KEY`
 * (and its friends) and what each must give: exit 2 before any request, a message naming the variable, no hang, and
 * never the key material itself in either stream.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Cli from "./support/Cli.js"

const timeoutMs = 30_000

const rsa = Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 })
const privateJwk = rsa.privateKey.export({ format: "jwk" })
const ec = Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
const ecJwk = ec.privateKey.export({ format: "jwk" })
const pemBody = (pem: string) => pem.split("\n").filter((line) => line !== "" && !line.startsWith("-----"))

/** Private parts of the keys used below: none may appear in any output. */
const secrets = [
  privateJwk.d!,
  privateJwk.p!,
  privateJwk.q!,
  privateJwk.dp!,
  ecJwk.d!,
  ...pemBody(rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString())
]

const base = { OKTA_DOMAIN: "acme.okta.com", OKTA_CLIENT_ID: "0oa1hostile" }

interface Case {
  readonly name: string
  readonly env: Readonly<Record<string, string>>
  readonly stderr: ReadonlyArray<string | RegExp>
}

const keyFile = (content: string | Buffer) => {
  const path = Path.join(Cli.tempDir(), "key")
  Fs.writeFileSync(path, content)
  return `@${path}`
}

const cases: ReadonlyArray<Case> = [
  { name: "garbage", env: { OKTA_PRIVATE_KEY: "garbage\u001b[31mred\u0007" }, stderr: ["OKTA_PRIVATE_KEY"] },
  {
    name: "a huge inline value (near the 128 KiB a variable can hold)",
    env: { OKTA_PRIVATE_KEY: "A".repeat(120_000) },
    stderr: ["OKTA_PRIVATE_KEY"]
  },
  { name: "a key file that is /dev/zero", env: { OKTA_PRIVATE_KEY: "@/dev/zero" }, stderr: ["OKTA_PRIVATE_KEY"] },
  {
    name: "a key file that does not exist",
    env: { OKTA_PRIVATE_KEY: "@/nonexistent/key.pem" },
    stderr: [
      "OKTA_PRIVATE_KEY"
    ]
  },
  {
    name: "a huge key file (20 MB)",
    env: { OKTA_PRIVATE_KEY: keyFile(Buffer.alloc(20_000_000, 65)) },
    stderr: [
      "OKTA_PRIVATE_KEY"
    ]
  },
  {
    name: "a JWK with private parts but a contradicting OKTA_KEY_ID",
    env: { OKTA_PRIVATE_KEY: JSON.stringify({ ...privateJwk, kid: "the-jwk-kid" }), OKTA_KEY_ID: "another-kid" },
    stderr: ["OKTA_KEY_ID"]
  },
  {
    name: "an RSA JWK with a damaged modulus",
    env: { OKTA_PRIVATE_KEY: JSON.stringify({ ...privateJwk, n: "AQAB" }) },
    stderr: ["OKTA_PRIVATE_KEY"]
  },
  {
    name: "an EC JWK with an alg of another curve",
    env: { OKTA_PRIVATE_KEY: JSON.stringify({ ...ecJwk, alg: "ES512" }) },
    stderr: ["OKTA_PRIVATE_KEY"]
  },
  {
    name: "a JWK of a symmetric key",
    env: { OKTA_PRIVATE_KEY: JSON.stringify({ kty: "oct", k: ecJwk.d }) },
    stderr: ["OKTA_PRIVATE_KEY"]
  },
  {
    name: "scopes without okta.users.read",
    env: { OKTA_PRIVATE_KEY: JSON.stringify(privateJwk), OKTA_SCOPES: "okta.roles.read" },
    stderr: ["OKTA_SCOPES", "okta.users.read"]
  },
  {
    name: "an SDK authorization mode that is neither SSWS nor PrivateKey",
    env: { OKTA_PRIVATE_KEY: JSON.stringify(privateJwk), OKTA_CLIENT_AUTHORIZATIONMODE: "Magic" },
    stderr: ["OKTA_CLIENT_AUTHORIZATIONMODE"]
  }
]

describe("hostile OAuth variables (end to end)", () => {
  for (const spec of cases) {
    it.effect(`${spec.name}: exit 2 naming the variable, no key material printed`, () =>
      Effect.gen(function*() {
        const result = yield* Cli.runGuarded(["account", "jsmith", "--log-level", "all"], {
          timeoutMs,
          env: { ...base, ...spec.env }
        })
        expect(result.timedOut, `${spec.name}: timed out`).toBe(false)
        expect(result.code, `${spec.name}: ${result.stderr.slice(0, 500)}`).toBe(2)
        for (const fragment of spec.stderr) {
          expect(typeof fragment === "string" ? result.stderr.includes(fragment) : fragment.test(result.stderr))
            .toBe(true)
        }
        expect(result.stdout).toBe("")
        expect(result.stderr.length).toBeLessThan(4_000)
        for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret)
        expect(result.stderr).not.toMatch(/\n\s+at .*\.m?js:\d+/)
      }), { concurrent: true, timeout: timeoutMs * 2 })
  }
})
