/**
 * End to end: the real `enrich` binary against a sandbox Okta org started in this process (reached through
 * OKTA_DOMAIN / OKTA_API_TOKEN, a `.env` file, or `--sandbox`).
 */
import { describe, expect, layer } from "@effect/vitest"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as SandboxOrg from "@enrich/okta/testing/SandboxOrg"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Cli from "./support/Cli.js"

const SECRET = "enrich-e2e-SECRET-token-7c1f9a2b4d6e8f0a"

/** The bundled seed org plus two users sharing one email that is nobody's login. */
const org = (() => {
  const seed = JSON.parse(
    Fs.readFileSync(new URL("../../okta/src/testing/seed-org.json", import.meta.url), "utf8")
  )
  const jsmith = seed.users[0]
  const twin = (id: string, login: string) => ({
    ...jsmith,
    user: { ...jsmith.user, id, profile: { ...jsmith.user.profile, login, email: "twin@example.com" } }
  })
  seed.users.push(twin("00utwinAAAAAAAAAAAAA", "twin.one@example.com"))
  seed.users.push(twin("00utwinBBBBBBBBBBBBB", "twin.two@example.com"))
  return Either.getOrThrow(SandboxOrg.fromJson(seed, "test org"))
})()

const SandboxLive = Sandbox.layer({ org, token: SECRET })

const oktaEnv = Effect.map(Sandbox.Sandbox, (sandbox) => ({
  OKTA_DOMAIN: sandbox.url,
  OKTA_API_TOKEN: Redacted.value(sandbox.token)
}))

/** Runs enrich against the in-process sandbox, configured through the environment. */
const enrich = (args: ReadonlyArray<string>, options: Cli.RunOptions = {}) =>
  Effect.flatMap(oktaEnv, (env) => Cli.run(args, { ...options, env: { ...env, ...options.env } }))

const rulesFile = (rules: unknown) => Cli.tempFile("rules.json", JSON.stringify(rules))

layer(Layer.fresh(SandboxLive), { excludeTestServices: true })("enrich account (end to end)", (it) => {
  describe("one and several accounts", () => {
    it.effect("prints one JSON object for one account, with the product page's fields", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith"])
        expect(result.code).toBe(0)
        const output = JSON.parse(result.stdout)
        expect(output.indicator).toEqual({ type: "account", value: "jsmith" })
        expect(output.verdict).toBe("Pending")
        const okta = output.enrichment.okta
        expect(okta.status).toBe("success")
        expect(okta.success).toBe(true)
        expect(okta.extracted).toMatchObject({
          found: true,
          status: "ACTIVE",
          mfa_enrolled: true,
          mfa_factors: ["push", "totp"],
          is_admin: false,
          department: "Engineering",
          title: "Senior Developer",
          last_login: "2025-01-15T08:30:00Z"
        })
        expect(okta.extracted.groups).toEqual(expect.arrayContaining(["Engineering", "VPN Users", "AWS Admins"]))
        expect(okta).not.toHaveProperty("raw")
      }))

    it.effect("prints an array for several accounts, in input order", () =>
      Effect.gen(function*() {
        const accounts = ["carol.white@example.com", "jsmith", "00u9dTs6hYN2EWJrJtyp", "Quentin.Tarrant@Example.COM"]
        const result = yield* enrich(["account", ...accounts])
        expect(result.code).toBe(0)
        const output = JSON.parse(result.stdout)
        expect(output.map((r: any) => r.indicator.value)).toEqual([
          "carol.white@example.com",
          "jsmith",
          "00u9dTs6hYN2EWJrJtyp",
          "quentin.tarrant@example.com"
        ])
        expect(output.map((r: any) => r.enrichment.okta.extracted.status)).toEqual([
          "SUSPENDED",
          "ACTIVE",
          "ACTIVE",
          "ACTIVE"
        ])
        expect(output[2].enrichment.okta.extracted.is_admin).toBe(true)
      }))

    it.effect("--include-raw adds Okta's raw responses", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "--include-raw"])
        expect(result.code).toBe(0)
        expect(JSON.stringify(JSON.parse(result.stdout).enrichment.okta.raw)).toContain("00uw5TJvTt4wHVXqCNSq")
      }))

    it.effect("--cache memory looks a repeated account up once; --cache none asks Okta every time", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const userRequests = Effect.map(
          sandbox.counters,
          (counters) => Object.values(counters.byRoute["GET /api/v1/users/{id}"] ?? {}).reduce((a, b) => a + b, 0)
        )
        const before = yield* userRequests
        const cached = yield* enrich(["account", "maria.garcia@example.com", "maria.garcia@example.com", "-c", "1"])
        expect(JSON.parse(cached.stdout).map((r: any) => r.enrichment.okta.cache_hit)).toEqual([false, true])
        const afterCached = yield* userRequests
        expect(afterCached - before).toBe(1)
        const uncached = yield* enrich([
          "account",
          "maria.garcia@example.com",
          "maria.garcia@example.com",
          "--cache",
          "none"
        ])
        expect(JSON.parse(uncached.stdout).map((r: any) => r.enrichment.okta.cache_hit)).toEqual([false, false])
        expect((yield* userRequests) - afterCached).toBe(2)
      }))

    it.effect("--sandbox needs no configuration at all", () =>
      Effect.gen(function*() {
        const result = yield* Cli.run(["account", "jsmith", "--sandbox"])
        expect(result.code).toBe(0)
        expect(JSON.parse(result.stdout).enrichment.okta.extracted.status).toBe("ACTIVE")
      }))
  })

  describe("not found, ambiguous, failed", () => {
    it.effect("not found is a success with found: false (exit 0)", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "nobody@example.com"])
        expect(result.code).toBe(0)
        const okta = JSON.parse(result.stdout).enrichment.okta
        expect(okta.status).toBe("success")
        expect(okta.extracted).toEqual({ found: false })
      }))

    it.effect("an email shared by two users fails naming both, the others still print (exit 1)", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "twin@example.com"])
        expect(result.code).toBe(1)
        const [first, second] = JSON.parse(result.stdout)
        expect(first.enrichment.okta.status).toBe("success")
        expect(second.enrichment.okta.status).toBe("failed")
        expect(second.enrichment.okta.error_message).toContain("ambiguous")
        expect(second.enrichment.okta.error_message).toContain("00utwinAAAAAAAAAAAAA")
        expect(second.enrichment.okta.error_message).toContain("00utwinBBBBBBBBBBBBB")
        expect(result.stderr).toContain("1 of 2 indicators failed")
      }))
  })

  describe("bulk", () => {
    it.effect("reads a file (comments and blank lines skipped), prints ndjson in input order", () =>
      Effect.gen(function*() {
        const file = Cli.tempFile(
          "accounts.txt",
          "# from alert 1234\njsmith\n\nmaria.garcia@example.com\r\n  # indented comment\nnobody@example.com\ncarol.white@example.com"
        )
        const result = yield* enrich(["account", "--input", file, "--concurrency", "2"])
        expect(result.code).toBe(0)
        const lines = Cli.ndjson(result.stdout)
        expect(lines.map((r) => r.indicator.value)).toEqual([
          "jsmith",
          "maria.garcia@example.com",
          "nobody@example.com",
          "carol.white@example.com"
        ])
        expect(result.stdout.split("\n").filter(Boolean)).toHaveLength(4)
        // stderr is not a terminal here: no progress bar, nothing at all.
        expect(result.stderr).toBe("")
      }))

    it.effect("reads stdin with --input -", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "--input", "-"], { stdin: "jsmith\nalice.admin@example.com\n" })
        expect(result.code).toBe(0)
        const lines = Cli.ndjson(result.stdout)
        expect(lines.map((r) => r.enrichment.okta.extracted.is_admin)).toEqual([false, true])
      }))

    it.effect("a bad line mid-batch becomes a failed record in its place; the batch goes on (exit 1)", () =>
      Effect.gen(function*() {
        const file = Cli.tempFile(
          "accounts.txt",
          `jsmith\nbad\u0007bell\n${"x".repeat(300)}\nmaria.garcia@example.com\n`
        )
        const result = yield* enrich(["account", "--input", file])
        expect(result.code).toBe(1)
        const lines = Cli.ndjson(result.stdout)
        expect(lines.map((r) => r.enrichment.okta.status)).toEqual(["success", "failed", "failed", "success"])
        expect(lines[1].enrichment.okta.error_message).toContain("control characters (line 2)")
        expect(lines[2].enrichment.okta.error_message).toContain("(line 3)")
        expect(lines[3].enrichment.okta.extracted.found).toBe(true)
      }))

    it.effect("arguments come first, then the file", () =>
      Effect.gen(function*() {
        const file = Cli.tempFile("accounts.txt", "maria.garcia@example.com\n")
        const result = yield* enrich(["account", "jsmith", "--input", file, "--format", "json"])
        expect(JSON.parse(result.stdout).map((r: any) => r.indicator.value)).toEqual([
          "jsmith",
          "maria.garcia@example.com"
        ])
      }))
  })

  describe("formats", () => {
    it.effect("table: a header and one aligned row per account", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "nobody@example.com", "--format", "table"])
        expect(result.code).toBe(0)
        const lines = result.stdout.trimEnd().split("\n")
        expect(lines[0]).toMatch(/^INDICATOR\s+OUTCOME\s+VERDICT\s+STATUS\s+ADMIN\s+MFA/)
        expect(lines[1]).toMatch(/^jsmith\s+found\s+Pending\s+ACTIVE\s+no\s+push,totp/)
        expect(lines[2]).toMatch(/^nobody@example\.com\s+not_found/)
      }))

    it.effect("csv: a header and one row per account", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "alice.admin@example.com", "--format", "csv"])
        expect(result.code).toBe(0)
        const [header, jsmith, alice] = result.stdout.split("\r\n")
        const columns = header.split(",")
        const row = (line: string) => Object.fromEntries(line.split(",").map((cell, i) => [columns[i], cell]))
        expect(row(jsmith)).toMatchObject({
          indicator: "jsmith",
          outcome: "found",
          status: "ACTIVE",
          is_admin: "false"
        })
        expect(row(jsmith).mfa_factors).toBe("push;totp")
        expect(row(alice).is_admin).toBe("true")
        expect(row(alice).admin_roles.split(";")).toContain("SUPER_ADMIN")
      }))

    it.effect("ndjson for arguments when asked", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "--format", "ndjson"])
        expect(Cli.ndjson(result.stdout)).toHaveLength(1)
      }))
  })

  describe("rules and verdicts", () => {
    it.effect("the product page's rule: SUSPENDED is Suspicious, naming the rule", () =>
      Effect.gen(function*() {
        const rules = rulesFile({
          malice_rules: { conditions: [{ field: "status", operator: "eq", value: "SUSPENDED", verdict: "Suspicious" }] }
        })
        const result = yield* enrich(["account", "carol.white@example.com", "jsmith", "--rules", rules])
        expect(result.code).toBe(0)
        const [carol, jsmith] = JSON.parse(result.stdout)
        expect(carol.verdict).toBe("Suspicious")
        expect(carol.enrichment.okta.verdict).toBe("Suspicious")
        expect(carol.enrichment.okta.matched_rule).toMatchObject({ index: 0 })
        expect(jsmith.verdict).toBe("Pending")
        expect(jsmith.enrichment.okta.matched_rule).toBeNull()
      }))

    it.effect("the Calseta syntax with named rules and not_found_verdict", () =>
      Effect.gen(function*() {
        const rules = rulesFile({
          rules: [{ name: "admins", field: "is_admin", operator: "eq", value: true, verdict: "Suspicious" }],
          default_verdict: "Benign",
          not_found_verdict: "Malicious"
        })
        const result = yield* enrich([
          "account",
          "alice.admin@example.com",
          "jsmith",
          "ghost@example.com",
          "--rules",
          rules
        ])
        const [alice, jsmith, ghost] = JSON.parse(result.stdout)
        expect([alice.verdict, jsmith.verdict, ghost.verdict]).toEqual(["Suspicious", "Benign", "Malicious"])
        expect(alice.enrichment.okta.matched_rule).toEqual({ index: 0, name: "admins" })
      }))
  })

  describe("usage and configuration errors exit 2 before any request", () => {
    it.effect("an unknown flag", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "--frobnicate"])
        expect(result.code).toBe(2)
        expect(result.stdout).toBe("")
        expect(result.stderr).toContain("--frobnicate")
      }))

    it.effect("a bad --format value, or none", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "--format", "xml"])
        expect(result.code).toBe(2)
        expect(result.stdout).toBe("")
        const missing = yield* enrich(["account", "jsmith", "--format"])
        expect(missing.code).toBe(2)
        expect(missing.stderr).toContain("option --format (-f) needs a value")
      }))

    it.effect("missing OKTA_DOMAIN", () =>
      Effect.gen(function*() {
        const result = yield* Cli.run(["account", "jsmith"], { env: { OKTA_API_TOKEN: SECRET } })
        expect(result.code).toBe(2)
        expect(result.stderr).toContain("OKTA_DOMAIN is not set")
        expect(result.stdout).toBe("")
      }))

    it.effect("a rules file with several problems lists every one with its JSON path", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const before = (yield* sandbox.counters).requests
        const rules = rulesFile({
          malice_rules: {
            conditions: [
              { field: "status", operator: "eqq", value: "SUSPENDED", verdict: "Suspicious" },
              { field: "groups", operator: "in", value: "Admins", verdict: "Evil" }
            ]
          }
        })
        const result = yield* enrich(["account", "jsmith", "--rules", rules])
        expect(result.code).toBe(2)
        expect(result.stdout).toBe("")
        expect(result.stderr).toContain("conditions[0].operator")
        expect(result.stderr).toContain("eqq")
        expect(result.stderr).toContain("conditions[1]")
        expect(result.stderr).toContain("Evil")
        expect((yield* sandbox.counters).requests).toBe(before)
      }))

    it.effect("a missing input file, a bad --ttl", () =>
      Effect.gen(function*() {
        const missing = yield* enrich(["account", "--input", "/nonexistent/accounts.txt"])
        expect(missing.code).toBe(2)
        expect(missing.stderr).toContain("no such file")
        const ttl = yield* enrich(["account", "jsmith", "--ttl", "account=soon"])
        expect(ttl.code).toBe(2)
        expect(ttl.stderr).toContain("not a duration")
      }))
  })

  describe("configuration from .env", () => {
    it.effect("reads OKTA_DOMAIN and OKTA_API_TOKEN from .env in the working directory", () =>
      Effect.gen(function*() {
        const env = yield* oktaEnv
        const dir = Cli.tempDir()
        Cli.tempFile(".env", `# enrich\nOKTA_DOMAIN=${env.OKTA_DOMAIN}\nOKTA_API_TOKEN="${env.OKTA_API_TOKEN}"\n`, dir)
        const result = yield* Cli.run(["account", "jsmith"], { cwd: dir })
        expect(result.code).toBe(0)
        expect(JSON.parse(result.stdout).enrichment.okta.extracted.found).toBe(true)
      }))

    it.effect("the environment wins over .env", () =>
      Effect.gen(function*() {
        const env = yield* oktaEnv
        const dir = Cli.tempDir()
        Cli.tempFile(".env", `OKTA_DOMAIN=${env.OKTA_DOMAIN}\nOKTA_API_TOKEN=wrong-token-from-dotenv\n`, dir)
        const good = yield* Cli.run(["account", "jsmith"], { cwd: dir, env: { OKTA_API_TOKEN: env.OKTA_API_TOKEN } })
        expect(good.code).toBe(0)
        const bad = yield* Cli.run(["account", "jsmith"], { cwd: dir })
        expect(bad.code).toBe(1)
        expect(JSON.parse(bad.stdout).enrichment.okta.error_message).toContain("OKTA_API_TOKEN is invalid")
      }))
  })

  describe("logs", () => {
    it.effect("go to stderr only: at debug level stdout still carries nothing but results", () =>
      Effect.gen(function*() {
        const result = yield* enrich([
          "account",
          "jsmith",
          "nobody@example.com",
          "--log-level",
          "debug",
          "-f",
          "ndjson"
        ])
        expect(result.code).toBe(0)
        expect(Cli.ndjson(result.stdout).map((r) => r.indicator.value)).toEqual(["jsmith", "nobody@example.com"])
        expect(result.stderr).toContain("level=DEBUG")
        expect(result.stderr).toContain("message=enriched indicator=jsmith")
      }))

    it.effect("the debug configuration line shows the token as plain <redacted>", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "--log-level", "debug"])
        expect(result.code).toBe(0)
        const line = result.stderr.split("\n").find((text) => text.includes("message=configuration"))
        expect(line).toContain("OKTA_API_TOKEN=<redacted>")
        expect(line).not.toContain("\\\"")
      }))

    it.effect("--log-level info ends with the Okta client's counters; the default level does not", () =>
      Effect.gen(function*() {
        // A login: the user, then its groups, factors and roles.
        const info = yield* enrich(["account", "jsmith", "--log-level", "info"])
        expect(info.code).toBe(0)
        expect(JSON.parse(info.stdout).indicator.value).toBe("jsmith")
        expect(info.stderr).toContain(
          "message=\"okta: 4 requests, 0 429s (0 concurrency), 0 retries, 0 waits (0.0 s waited)\""
        )
        expect(info.stderr).not.toContain("okta bucket")
        // A login that is not one, then the email search: 2 more, counted from a fresh client.
        const two = yield* enrich(["account", "jsmith", "nobody@example.com", "--log-level", "info"])
        expect(two.stderr).toContain("okta: 6 requests,")
        const quiet = yield* enrich(["account", "jsmith"])
        expect(quiet.code).toBe(0)
        expect(quiet.stderr).not.toContain("okta:")
      }))

    it.effect("--log-level works anywhere on the line, also after options that take a value", () =>
      Effect.gen(function*() {
        const file = Cli.tempFile("accounts.txt", "jsmith\n")
        for (
          const args of [
            ["account", "--input", file, "--log-level", "info"],
            ["account", "--input", file, "--concurrency", "4", "--log-level=info"],
            ["--log-level", "info", "account", "--input", file]
          ]
        ) {
          const result = yield* enrich(args)
          expect(result.code).toBe(0)
          expect(result.stderr).toContain("okta: 4 requests,")
        }
      }))

    it.effect("--log-level debug adds what the client learned of each rate-limit bucket", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith", "--log-level", "debug"])
        expect(result.code).toBe(0)
        expect(result.stderr).toContain("okta: 4 requests,")
        const buckets = result.stderr.split("\n").filter((line) => line.includes("message=\"okta bucket\""))
        expect(buckets.map((line) => /bucket="([^"]+)"/.exec(line)?.[1]).sort()).toEqual([
          "GET /api/v1/users/{id}",
          "GET /api/v1/users/{id}/factors",
          "GET /api/v1/users/{id}/groups",
          "GET /api/v1/users/{id}/roles"
        ])
        for (const line of buckets) {
          expect(line).toMatch(/ limit=\d+( |$)/)
          expect(line).toMatch(/ remaining=\d+( |$)/)
          expect(line).toMatch(/ reset=\d{4}-\d\d-\d\dT[\d:.]+Z( |$)/)
        }
      }))

    it.effect("the default level is quiet: nothing on stderr for a successful run", () =>
      Effect.gen(function*() {
        const result = yield* enrich(["account", "jsmith"])
        expect(result.code).toBe(0)
        expect(result.stderr).toBe("")
      }))
  })

  describe("secrets", () => {
    it.effect("the token appears nowhere in stdout or stderr, at debug level, through failures", () =>
      Effect.gen(function*() {
        const env = yield* oktaEnv
        // A wrong token that is recognizable: every request fails with 401.
        const wrong = "enrich-e2e-WRONG-token-3e5d7f9b1a2c4e6f"
        const refused = yield* Cli.run(
          ["account", "jsmith", "twin@example.com", "bad\u0001line", "--log-level", "debug", "--format", "ndjson"],
          { env: { OKTA_DOMAIN: env.OKTA_DOMAIN, OKTA_API_TOKEN: wrong } }
        )
        expect(refused.code).toBe(1)
        expect(refused.stderr).toMatch(/debug/i)
        expect(refused.stdout).toContain("OKTA_API_TOKEN is invalid or expired")
        // The right token, through an ambiguous email and a not-found, at debug level.
        const accepted = yield* enrich([
          "account",
          "jsmith",
          "twin@example.com",
          "nobody@example.com",
          "--log-level",
          "debug",
          "--include-raw"
        ])
        expect(accepted.code).toBe(1)
        for (const output of [refused.stdout, refused.stderr, accepted.stdout, accepted.stderr]) {
          expect(output).not.toContain(wrong)
          expect(output).not.toContain(SECRET)
        }
      }))
  })

  describe("Ctrl-C", () => {
    it.effect("stops starting new work, prints every finished result as valid JSON, exits 130", () =>
      Effect.gen(function*() {
        const env = yield* oktaEnv
        const child = Cli.start(["account", "--input", "-", "--format", "json"], { env })
        // stdin stays open: more work could come, so only Ctrl-C ends the run.
        child.write("jsmith\nmaria.garcia@example.com\n")
        yield* child.waitForStdout((text) => text.includes("maria.garcia@example.com"))
        child.kill("SIGINT")
        const result = yield* child.exit
        expect(result.code).toBe(130)
        const output = JSON.parse(result.stdout)
        expect(output.map((r: any) => r.indicator.value)).toEqual(["jsmith", "maria.garcia@example.com"])
        expect(result.stderr).toContain("interrupted: 2 done, 0 abandoned, the rest of the input not read")
      }))

    it.effect("still reports the Okta client's counters at --log-level info", () =>
      Effect.gen(function*() {
        const env = yield* oktaEnv
        const child = Cli.start(["account", "--log-level", "info", "--input", "-"], { env })
        child.write("jsmith\n")
        yield* child.waitForStdout((text) => text.includes("jsmith"))
        child.kill("SIGINT")
        const result = yield* child.exit
        expect(result.code).toBe(130)
        expect(result.stderr).toContain("okta: 4 requests, 0 429s")
      }))
  })

  describe("help and version", () => {
    it.effect("--version prints the package version", () =>
      Effect.gen(function*() {
        const result = yield* Cli.run(["--version"])
        const pkg = JSON.parse(Fs.readFileSync(Path.join(Path.dirname(Cli.binary), "../package.json"), "utf8"))
        expect(result.code).toBe(0)
        expect(result.stdout.trim()).toBe(pkg.version)
      }))

    it.effect("account --help shows the flags and examples", () =>
      Effect.gen(function*() {
        const result = yield* Cli.run(["account", "--help"])
        expect(result.code).toBe(0)
        for (const text of ["EXAMPLES", "--input", "--format", "--rules", "--sandbox", "enrich account jsmith"]) {
          expect(result.stdout).toContain(text)
        }
      }))
  })
})
