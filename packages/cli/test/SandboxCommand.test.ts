/**
 * End to end: `enrich sandbox serve` runs a fake Okta org another `enrich` can use.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Cli from "./support/Cli.js"

const exported = (stdout: string, name: string): string => {
  const match = new RegExp(`^export ${name}=(.*)$`, "m").exec(stdout)
  if (match === null) throw new Error(`no ${name} in:\n${stdout}`)
  return match[1]
}

describe("enrich sandbox serve (end to end)", () => {
  it.live("prints OKTA_DOMAIN and OKTA_API_TOKEN that work, and runs until Ctrl-C", () =>
    Effect.gen(function*() {
      const server = Cli.start(["sandbox", "serve", "--port", "0"])
      const stdout = yield* server.waitForStdout((text) => text.includes("OKTA_API_TOKEN="))
      const domain = exported(stdout, "OKTA_DOMAIN")
      expect(domain).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const result = yield* Cli.run(["account", "alice.admin@example.com"], {
        env: { OKTA_DOMAIN: domain, OKTA_API_TOKEN: exported(stdout, "OKTA_API_TOKEN") }
      })
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout).enrichment.okta.extracted.is_admin).toBe(true)
      server.kill("SIGINT")
      expect((yield* server.exit).code).toBe(130)
    }))

  it.live("--oauth prints a demo service app (OKTA_CLIENT_ID, OKTA_PRIVATE_KEY) that works with DPoP", () =>
    Effect.gen(function*() {
      const server = Cli.start(["sandbox", "serve", "--port", "0", "--oauth"])
      const stdout = yield* server.waitForStdout((text) => text.includes("OKTA_PRIVATE_KEY="))
      expect(stdout).not.toMatch(/^export OKTA_API_TOKEN=/m)
      const privateKey = exported(stdout, "OKTA_PRIVATE_KEY").replace(/^'|'$/g, "")
      expect(JSON.parse(privateKey)).toMatchObject({ kty: "RSA", alg: "RS256" })
      const env = {
        OKTA_DOMAIN: exported(stdout, "OKTA_DOMAIN"),
        OKTA_CLIENT_ID: exported(stdout, "OKTA_CLIENT_ID"),
        OKTA_PRIVATE_KEY: privateKey
      }
      const result = yield* Cli.run(["account", "alice.admin@example.com"], { env })
      expect(result.code, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout).enrichment.okta.extracted.is_admin).toBe(true)
      const doctor = yield* Cli.run(["doctor"], { env })
      expect(doctor.stdout).toMatch(/auth: +OAuth 2\.0 service app 0oa-sandbox-service-app .*DPoP access tokens/)
      server.kill("SIGINT")
      expect((yield* server.exit).code).toBe(130)
    }))

  it.live("serves an org from --org FILE, and refuses an invalid one (exit 2)", () =>
    Effect.gen(function*() {
      const invalid = yield* Cli.run(["sandbox", "serve", "--org", Cli.tempFile("org.json", "{\"users\": 42}")])
      expect(invalid.code).toBe(2)
      expect(invalid.stderr).toContain("--org")
    }))

  it.live("sandbox serve --help shows examples", () =>
    Effect.gen(function*() {
      const result = yield* Cli.run(["sandbox", "serve", "--help"])
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("EXAMPLES")
      expect(result.stdout).toContain("--port")
    }))
})
