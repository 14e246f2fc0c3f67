/**
 * Testing with injected fake Layers, end to end: the program of EnrichStream.ts, unchanged, over an in-memory Okta
 * (FakeOktaClient) and then over the sandbox org (a real HTTP server speaking Okta's API on a loopback port).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import { OktaClient } from "@enrich/okta"
import { FakeOktaClient, Sandbox } from "@enrich/okta/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { enrichAccounts, enricherLayer } from "../EnrichStream.js"

const accounts = ["jsmith", "carol.white@example.com", "dave.former@example.com", "nobody@example.com", "bad\u0000"]

describe("EnrichStream", () => {
  it.effect("with FakeOktaClient: every account in order, the rules' verdicts, not found and invalid in place", () =>
    Effect.gen(function*() {
      const results = yield* enrichAccounts(accounts)
      expect(results.map((r) => r.indicator.value)).toEqual(accounts.slice(0, 4).concat(results[4].indicator.value))
      expect(results.map((r) => r.verdict)).toEqual(["Pending", "Suspicious", "Suspicious", "Pending", "Pending"])
      expect(results[0].enrichment.okta.extracted).toMatchObject({ found: true, login: "jsmith@example.com" })
      expect(results[1].enrichment.okta.matched_rule).toEqual({ index: 0, name: "suspended" })
      expect(results[3].enrichment.okta.extracted).toEqual({ found: false })
      expect(results[4].error).toBeDefined()
    }).pipe(Effect.provide(enricherLayer(FakeOktaClient.layer()))))

  // The sandbox: the real client, paging, rate-limit headers and all, against a fake org over HTTP.
  const SandboxOkta = Layer.unwrapScoped(Effect.gen(function*() {
    const sandbox = yield* Sandbox.Sandbox
    return OktaClient.layerConfig().pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({
        OKTA_DOMAIN: sandbox.url,
        OKTA_API_TOKEN: Redacted.value(sandbox.token)
      })))
    )
  })).pipe(Layer.provideMerge(Sandbox.layer()))

  it.live("with the sandbox: the same answers over HTTP, a repeated account served from the cache", () =>
    Effect.gen(function*() {
      const results = yield* enrichAccounts([...accounts, "jsmith"])
      expect(results.map((r) => r.verdict)).toEqual([
        "Pending",
        "Suspicious",
        "Suspicious",
        "Pending",
        "Pending",
        "Pending"
      ])
      expect(results[0].enrichment.okta.extracted).toMatchObject({ found: true, groups: expect.any(Array) })
      expect(results[5].enrichment.okta.cache_hit).toBe(true)
      expect(results[0].enrichment.okta.cache_hit).toBe(false)
    }).pipe(Effect.provide(enricherLayer(SandboxOkta))))
})
