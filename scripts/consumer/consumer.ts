// A strict TypeScript consumer of the published types: every public entry point an app imports, type-checked with
// `tsc --noEmit` against dist/*.d.ts (no source condition).
import { NodeHttpClient } from "@effect/platform-node"
import { Enricher, EnrichmentCache, Indicator, MaliceRules } from "@enrich/core"
import type { EnrichmentResult } from "@enrich/core/EnrichmentResult"
import * as Telemetry from "@enrich/core/Telemetry"
import { FakeProvider } from "@enrich/core/testing"
import { OktaClient, OktaProvider } from "@enrich/okta"
import * as OktaError from "@enrich/okta/OktaError"
import { FakeOktaClient, Sandbox, SandboxOrg } from "@enrich/okta/testing"
import { Effect, Layer, Stream } from "effect"

const rules: MaliceRules.RuleSet = MaliceRules.decodeSync({
  malice_rules: { conditions: [{ field: "status", operator: "eq", value: "SUSPENDED", verdict: "Suspicious" }] }
})

export const live: Layer.Layer<
  Enricher.Enricher,
  OktaError.OktaConfigError | Telemetry.TelemetryConfigError
> = Enricher.layer(
  OktaProvider.OktaProvider
).pipe(
  Layer.provide(OktaProvider.layer({ rules })),
  Layer.provide(OktaClient.layerConfig()),
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provide(EnrichmentCache.layerMemory({ capacity: 1_000 })),
  Layer.provide(Telemetry.layerConfig({ serviceName: "consumer" }).pipe(Layer.provide(NodeHttpClient.layerUndici)))
)

export const fake: Layer.Layer<Enricher.Enricher> = Enricher.layer(OktaProvider.OktaProvider).pipe(
  Layer.provide(OktaProvider.layer()),
  Layer.provide(FakeOktaClient.layer(SandboxOrg.defaultOrg)),
  Layer.provide(EnrichmentCache.layerNone)
)

export const many = (values: ReadonlyArray<string>): Stream.Stream<EnrichmentResult, never, Enricher.Enricher> =>
  Stream.unwrap(
    Effect.map(Enricher.Enricher, (enricher) =>
      enricher.enrichAll(
        Stream.fromIterable(values).pipe(Stream.mapEffect((v) => Effect.merge(Indicator.account(v))))
      ))
  )

export const sandboxUrl: Effect.Effect<string, Sandbox.SandboxError> = Effect.scoped(
  Effect.map(Sandbox.make(), (sandbox) => sandbox.url)
)

export const fakeProvider = FakeProvider.found({ status: "ACTIVE" })
