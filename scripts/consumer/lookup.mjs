// A plain-JavaScript Effect program, as an app that installed the tarballs would write it: it starts the sandbox org
// from @enrich/okta/testing and looks jsmith up through the real Okta client, provider, cache and Enricher.
import { NodeHttpClient } from "@effect/platform-node"
import { Enricher, EnrichmentCache, Indicator } from "@enrich/core"
import { OktaClient, OktaProvider } from "@enrich/okta"
import { Sandbox } from "@enrich/okta/testing"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"

const program = Effect.gen(function*() {
  const sandbox = yield* Sandbox.make()
  const okta = OktaClient.layerConfig().pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({
      OKTA_DOMAIN: sandbox.url,
      OKTA_API_TOKEN: Redacted.value(sandbox.token)
    })))
  )
  const enricher = Enricher.layer(OktaProvider.OktaProvider).pipe(
    Layer.provide(OktaProvider.layer()),
    Layer.provide(okta),
    Layer.provide(EnrichmentCache.layerMemory())
  )
  const result = yield* Effect.flatMap(Enricher.Enricher, (e) => Effect.flatMap(Indicator.account("jsmith"), e.enrich))
    .pipe(Effect.provide(enricher))
  return result
})

const result = await Effect.runPromise(Effect.scoped(program))
const okta = result.enrichment.okta
if (okta.status !== "success" || okta.extracted?.found !== true) {
  console.error("unexpected result", JSON.stringify(result))
  process.exit(1)
}
console.log(JSON.stringify({ login: okta.extracted.login, groups: okta.extracted.groups }))
