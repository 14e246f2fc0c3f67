import { describe, expect, it } from "@effect/vitest"
import { Enricher, EnrichmentCache, EnrichmentMetrics, Indicator } from "@enrich/core"
import { FakeProvider } from "@enrich/core/testing"
import { Effect, Metric, type MetricState } from "effect"

/** A provider name of its own, so the process-wide metrics of other tests do not count here. */
const name = "metrics-test"

const counter = (metric: Metric.Metric.Counter<number>) =>
  Effect.map(Metric.value(Metric.tagged(metric, "enrich.provider", name)), (state) => state.count)

describe("EnrichmentMetrics", () => {
  it.scoped("counts cache misses and hits per provider, and times each provider lookup", () =>
    Effect.gen(function*() {
      const provider = FakeProvider.make({ name, lookups: { "jsmith@example.com": FakeProvider.found({}) } })
      const enricher = yield* Enricher.make([provider])
      const jsmith = yield* Indicator.account("jsmith@example.com")
      const [hits, misses] = [
        yield* counter(EnrichmentMetrics.cacheHits),
        yield* counter(EnrichmentMetrics.cacheMisses)
      ]
      const durations = Metric.tagged(
        Metric.tagged(EnrichmentMetrics.lookupDuration, "enrich.provider", name),
        "enrich.outcome",
        "found"
      )
      const before = (yield* Metric.value(durations)) as MetricState.MetricState.Histogram

      yield* enricher.enrich(jsmith)
      yield* enricher.enrich(jsmith)
      yield* enricher.enrich(jsmith)

      expect((yield* counter(EnrichmentMetrics.cacheMisses)) - misses).toBe(1)
      expect((yield* counter(EnrichmentMetrics.cacheHits)) - hits).toBe(2)
      const after = (yield* Metric.value(durations)) as MetricState.MetricState.Histogram
      expect(after.count - before.count).toBe(1)
    }).pipe(Effect.provide(EnrichmentCache.layerMemory())))
})
