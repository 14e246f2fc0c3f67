import { describe, expect, it } from "@effect/vitest"
import * as OktaConfig from "@enrich/okta/OktaConfig"
import { Config, ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { readFileSync } from "node:fs"

const origin = (input: string) => Either.getOrThrowWith(OktaConfig.parseDomain(input), (e) => e)
const refusal = (input: string) => Either.flip(OktaConfig.parseDomain(input)).pipe(Either.getOrThrow)

describe("OktaConfig.parseDomain", () => {
  it("accepts a bare domain or an https URL, and custom URL domains", () => {
    expect(origin("acme.okta.com")).toBe("https://acme.okta.com")
    expect(origin("https://acme.okta.com")).toBe("https://acme.okta.com")
    expect(origin("https://acme.okta.com/")).toBe("https://acme.okta.com")
    expect(origin("  ACME.oktapreview.com  ")).toBe("https://acme.oktapreview.com")
    expect(origin("acme.okta-emea.com")).toBe("https://acme.okta-emea.com")
    expect(origin("login.acme.example")).toBe("https://login.acme.example")
    expect(origin("https://login.acme.example:8443")).toBe("https://login.acme.example:8443")
  })

  it("accepts http:// only for loopback hosts", () => {
    expect(origin("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080")
    expect(origin("http://127.3.2.1:9")).toBe("http://127.3.2.1:9")
    expect(origin("http://localhost:4010")).toBe("http://localhost:4010")
    expect(origin("http://[::1]:4010")).toBe("http://[::1]:4010")
    expect(refusal("http://acme.okta.com").reason).toContain("https://")
    expect(refusal("http://10.0.0.1:8080").reason).toContain("https://")
    expect(refusal("http://127.0.0.1.evil.com").reason).toContain("https://")
  })

  it("refuses paths, queries, credentials, -admin hosts, placeholders and other schemes, naming OKTA_DOMAIN", () => {
    const cases: Array<[string, string]> = [
      ["https://acme.okta.com/api/v1", "without a path"],
      ["https://acme.okta.com/oauth2/default", "without a path"],
      ["https://acme.okta.com?x=1", "query"],
      ["https://acme.okta.com#x", "query"],
      ["https://user:pw@acme.okta.com", "credentials"],
      ["acme-admin.okta.com", "use the org's domain (acme.okta.com)"],
      ["https://acme-admin.oktapreview.com", "acme.oktapreview.com"],
      ["{yourOktaDomain}", "placeholder"],
      ["https://{yourOktaDomain}", "placeholder"],
      ["ftp://acme.okta.com", "ftp://"],
      ["", "empty"],
      ["acme", "full domain name"],
      ["acme okta.com", "whitespace"]
    ]
    for (const [input, reason] of cases) {
      const error = refusal(input)
      expect(error._tag).toBe("OktaConfigError")
      expect(error.variable).toBe("OKTA_DOMAIN")
      expect(error.message).toContain("OKTA_DOMAIN")
      expect(error.reason).toContain(reason)
    }
  })
})

describe("OktaConfig.parseDomain and user info", () => {
  it("refuses a user name or password in OKTA_DOMAIN without ever repeating it", () => {
    for (
      const input of [
        "https://admin:s3cr3tPW@acme.okta.com",
        "admin:s3cr3tPW@acme.okta.com",
        "https://admin:s3cr3tPW@{yourOktaDomain}",
        "http://admin:s3cr3tPW@[not-a-host",
        "https://admin:s3cr3tPW@acme"
      ]
    ) {
      const error = refusal(input)
      expect(error.variable).toBe("OKTA_DOMAIN")
      expect(error.reason).toContain("credentials")
      expect(error.message).not.toContain("s3cr3tPW")
      expect(error.message).not.toContain("admin")
    }
  })
})

describe("OktaConfig.resolve", () => {
  const token = Redacted.make("00abcdefTOKEN")

  it("fills the defaults", () => {
    const settings = Either.getOrThrow(OktaConfig.resolve({ domain: "acme.okta.com", token }))
    expect(settings).toMatchObject({
      origin: "https://acme.okta.com",
      maxConcurrency: 8,
      maxRetries: 3,
      maxPages: 100,
      userAgent: "enrich/0.1.0"
    })
    expect(Duration.toMillis(settings.timeout)).toBe(10_000)
    expect(Option.map(settings.token, Redacted.value)).toEqual(Option.some("00abcdefTOKEN"))
  })

  it("refuses a missing, blank or prefixed token without repeating it", () => {
    const missing = Either.flip(OktaConfig.resolve({ domain: "acme.okta.com" })).pipe(Either.getOrThrow)
    expect(missing).toMatchObject({ variable: "OKTA_API_TOKEN" })
    expect(missing.message).toContain("read-only admin")
    const blank = Either.flip(OktaConfig.resolve({ domain: "acme.okta.com", token: Redacted.make("  ") }))
    expect(Either.getOrThrow(blank).variable).toBe("OKTA_API_TOKEN")
    const prefixed = Either.flip(OktaConfig.resolve({ domain: "acme.okta.com", token: Redacted.make("SSWS 00secret") }))
    expect(Either.getOrThrow(prefixed).message).toContain("without the SSWS")
    expect(Either.getOrThrow(prefixed).message).not.toContain("00secret")
  })

  it("accepts no token when authentication is provided another way", () => {
    expect(Either.isRight(OktaConfig.resolve({ domain: "acme.okta.com" }, false))).toBe(true)
  })

  it("refuses nonsense numbers", () => {
    const error = Either.flip(OktaConfig.resolve({ domain: "acme.okta.com", token, maxConcurrency: 0 }))
    expect(Either.getOrThrow(error).variable).toBe("maxConcurrency")
  })

  it("sends the package's own version as the User-Agent", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    expect(OktaConfig.version).toBe(pkg.version)
  })
})

describe("OktaConfig.load", () => {
  it.effect("reads OKTA_DOMAIN and OKTA_API_TOKEN (as Redacted)", () =>
    Effect.gen(function*() {
      const options = yield* OktaConfig.load().pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["OKTA_DOMAIN", "acme.okta.com"], ["OKTA_API_TOKEN", "00tok"]])
      )))
      expect(options.domain).toBe("acme.okta.com")
      expect(Redacted.isRedacted(options.token)).toBe(true)
      expect(String(options.token)).not.toContain("00tok")
    }))

  it.effect("names the missing variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        OktaConfig.load().pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["OKTA_API_TOKEN", "00tok"]])
        )))
      )
      expect(error).toMatchObject({ _tag: "OktaConfigError", variable: "OKTA_DOMAIN" })
    }))

  it.effect("takes a Config per option (Config.Wrap, as @effect/sql-pg does), and names the variable that is missing", () =>
    Effect.gen(function*() {
      const wrapped = {
        domain: Config.string("MY_OKTA_DOMAIN"),
        token: Config.redacted("MY_OKTA_TOKEN"),
        maxRetries: Config.integer("MY_OKTA_RETRIES")
      }
      const options = yield* OktaConfig.load(wrapped).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([["MY_OKTA_DOMAIN", "acme.okta.com"], ["MY_OKTA_TOKEN", "00tok"], ["MY_OKTA_RETRIES", "5"]])
      )))
      expect(options).toMatchObject({ domain: "acme.okta.com", maxRetries: 5 })
      const missing = yield* Effect.flip(
        OktaConfig.load(wrapped).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["MY_OKTA_DOMAIN", "acme.okta.com"], ["MY_OKTA_RETRIES", "5"]])
        )))
      )
      expect(missing).toMatchObject({ _tag: "OktaConfigError", variable: "MY_OKTA_TOKEN" })
      const malformed = yield* Effect.flip(
        OktaConfig.load(wrapped).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
          new Map([["MY_OKTA_DOMAIN", "acme.okta.com"], ["MY_OKTA_TOKEN", "00tok"], ["MY_OKTA_RETRIES", "many"]])
        )))
      )
      expect(malformed).toMatchObject({ _tag: "OktaConfigError", variable: "MY_OKTA_RETRIES" })
    }))
})
