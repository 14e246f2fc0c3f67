/**
 * The whole stack for end-to-end tests: the core `Enricher` with the memory cache, the Okta provider, the Okta client
 * over undici, and a fresh sandbox over real loopback HTTP, with time driven by `runWithSandboxTime`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Enricher from "@enrich/core/Enricher"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Indicator from "@enrich/core/Indicator"
import type { ProviderResult } from "@enrich/core/ProviderResult"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { Sandbox } from "@enrich/okta/testing"
import { Effect, Layer } from "effect"
import { runWithSandboxTime } from "./sandboxTime.js"

export interface StackOptions {
  readonly sandbox?: Sandbox.Options
  readonly client?: Partial<OktaClient.Options>
  readonly provider?: OktaProvider.Options
}

/** Enricher + memory cache + OktaProvider + OktaClient over undici + a fresh sandbox. */
export const stack = (options: StackOptions = {}) => {
  const client = Layer.unwrapEffect(
    Effect.map(
      Sandbox.Sandbox,
      (sandbox) => OktaClient.layer({ domain: sandbox.url, token: sandbox.token, ...options.client })
    )
  )
  const enricher = Enricher.layer(OktaProvider.OktaProvider).pipe(
    Layer.provide(OktaProvider.layer(options.provider)),
    Layer.provideMerge(client),
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provideMerge(EnrichmentCache.layerMemory())
  )
  return enricher.pipe(Layer.provideMerge(Sandbox.layer(options.sandbox)))
}

export type Stack = Enricher.Enricher | OktaClient.OktaClient | Sandbox.Sandbox | EnrichmentCache.EnrichmentCache

/** Runs `effect` with time driven by the sandbox-aware driver. */
export const timed = <A, E>(effect: Effect.Effect<A, E, Stack>): Effect.Effect<A, E, Stack> =>
  Effect.gen(function*() {
    const client = yield* OktaClient.OktaClient
    const sandbox = yield* Sandbox.Sandbox
    const context = yield* Effect.context<Stack>()
    return yield* runWithSandboxTime(Effect.provide(effect, context), {
      client: Effect.map(client.stats!, (stats) => stats.inFlight),
      server: Effect.map(sandbox.counters, (counters) => counters.inFlight)
    })
  })

/** Enriches one account and returns the okta provider's result. */
export const enrich = (value: string): Effect.Effect<ProviderResult, never, Stack> =>
  Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    const indicator = yield* Effect.orDie(Indicator.account(value))
    const result = yield* timed(enricher.enrich(indicator))
    return result.enrichment.okta
  })
