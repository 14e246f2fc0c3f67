/**
 * Example: an Effect program that enriches a stream of account indicators with Okta, as an app embedding enrich
 * would write it.
 *
 * The Enricher is assembled from Layers, each of which a test (see test/EnrichStream.test.ts) or another app can swap:
 * the Okta client (`OKTA_DOMAIN` / `OKTA_API_TOKEN` from the environment) over undici, the Okta provider with malice
 * rules (`OKTA_CACHE_TTL` / `OKTA_NOT_FOUND_TTL`), and a bounded in-memory cache.
 *
 * Run it against your org (from the repository root):
 *
 *   OKTA_DOMAIN=acme.okta.com OKTA_API_TOKEN=... \
 *     node --conditions=@enrich/source --import tsx examples/EnrichStream.ts jsmith@acme.com bob
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Enricher, EnrichmentCache, Indicator, MaliceRules } from "@enrich/core"
import type { EnrichmentResult } from "@enrich/core/EnrichmentResult"
import { OktaClient, OktaProvider } from "@enrich/okta"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { fileURLToPath } from "node:url"

/** The product page's example rule, plus one of our own: a suspended account is Suspicious. */
export const rules: MaliceRules.RuleSet = MaliceRules.decodeSync({
  rules: [
    { name: "suspended", field: "status", operator: "eq", value: "SUSPENDED", verdict: "Suspicious" },
    { name: "left the company", field: "status", operator: "eq", value: "DEPROVISIONED", verdict: "Suspicious" }
  ]
})

/** The real Okta client: configuration from the environment, requests over undici. */
export const OktaLive: Layer.Layer<OktaClient.OktaClient, unknown> = OktaClient.layerConfig().pipe(
  Layer.provide(NodeHttpClient.layerUndici)
)

/**
 * The Enricher over whichever Okta client it is given: {@link OktaLive} in production, `FakeOktaClient.layer()` or
 * the sandbox in tests.
 */
export const enricherLayer = <E>(okta: Layer.Layer<OktaClient.OktaClient, E>) =>
  Enricher.layer(OktaProvider.OktaProvider).pipe(
    Layer.provide(OktaProvider.layerConfig(Config.map(OktaProvider.config, (options) => ({ ...options, rules })))),
    Layer.provide(okta),
    Layer.provide(EnrichmentCache.layerMemory({ capacity: 10_000 }))
  )

/**
 * Enriches account values, 8 at a time, results in input order. A value that is not a valid account becomes a
 * failed record in its place; the program never fails.
 */
export const enrichAccounts = (
  values: Iterable<string>
): Effect.Effect<ReadonlyArray<EnrichmentResult>, never, Enricher.Enricher> =>
  Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    const indicators = Stream.fromIterable(values).pipe(
      Stream.mapEffect((value) => Effect.merge(Indicator.account(value)))
    )
    const results = yield* Stream.runCollect(enricher.enrichAll(indicators, { concurrency: 8 }))
    return Chunk.toReadonlyArray(results)
  })

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  enrichAccounts(process.argv.slice(2)).pipe(
    Effect.tap((results) => Effect.sync(() => results.forEach((result) => console.log(JSON.stringify(result))))),
    Effect.provide(enricherLayer(OktaLive)),
    NodeRuntime.runMain
  )
}
