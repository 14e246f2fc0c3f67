/**
 * Raw responses are kept only when something reads them (issue 16), end to end: `--include-raw` still prints them,
 * and with a shared Redis cache a process that prints them (or runs rules on `raw.`) still gets them from an entry
 * another process cached without `--include-raw`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as RedisServer from "../../core/test/support/redisServer.js"
import * as Wiring from "../src/Wiring.js"
import * as Cli from "./support/Cli.js"

const JSMITH_ID = "00uw5TJvTt4wHVXqCNSq"

const sandboxEnv = (sandbox: Sandbox.Service) => ({
  OKTA_DOMAIN: sandbox.url,
  OKTA_API_TOKEN: Redacted.value(sandbox.token)
})

describe("raw responses kept for whoever reads them", () => {
  it("--include-raw keeps them, and so does a shared (Redis) cache; otherwise only rules on raw. do", () => {
    expect(Wiring.keepRawFor(true, "memory")).toBe("always")
    expect(Wiring.keepRawFor(true, "none")).toBe("always")
    expect(Wiring.keepRawFor(false, "redis")).toBe("always")
    expect(Wiring.keepRawFor(false, "memory")).toBe("auto")
    expect(Wiring.keepRawFor(false, "none")).toBe("auto")
  })
})

RedisServer.describeRedis("raw responses through a shared Redis cache", () => {
  it.scopedLive(
    "an entry cached by a run without --include-raw gives a later --include-raw run its raw",
    () =>
      Effect.gen(function*() {
        const server = yield* RedisServer.make
        const sandbox = yield* Sandbox.make()
        const env = { ...sandboxEnv(sandbox), ENRICH_REDIS_URL: server.url }
        const plain = yield* Cli.runGuarded(["account", "jsmith"], { env, timeoutMs: 60_000 })
        expect(plain.code, plain.stderr).toBe(0)
        expect(JSON.parse(plain.stdout).enrichment.okta).not.toHaveProperty("raw")
        const withRaw = yield* Cli.runGuarded(["account", "jsmith", "--include-raw"], { env, timeoutMs: 60_000 })
        expect(withRaw.code, withRaw.stderr).toBe(0)
        const okta = JSON.parse(withRaw.stdout).enrichment.okta
        expect(okta.cache_hit).toBe(true)
        expect(okta.raw.user.id).toBe(JSMITH_ID)
        expect(okta.raw.groups).toEqual(expect.any(Array))
      }),
    120_000
  )
})
