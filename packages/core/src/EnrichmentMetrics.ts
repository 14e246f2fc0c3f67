/**
 * The Enricher's metrics, as Effect `Metric`s: any metrics exporter an app installs (for instance
 * `@enrich/core/Telemetry`'s OTLP layer) reads them. Names follow OpenTelemetry's conventions (dotted, units in
 * the description; durations in seconds).
 *
 * They are updated synchronously (`unsafeUpdate`) on the lookup path, so a cache hit costs no extra Effect step.
 *
 * @since 0.2.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

/** Lookups answered from the cache (or joined to one in flight), by `enrich.provider`. */
export const cacheHits = Metric.counter("enrich.cache.hits", {
  description: "Lookups answered from the enrichment cache (or shared with a lookup in flight)",
  incremental: true
})

/** Lookups that ran the provider, by `enrich.provider`. */
export const cacheMisses = Metric.counter("enrich.cache.misses", {
  description: "Lookups that asked the provider",
  incremental: true
})

/** How long a provider took to answer a lookup (seconds), by `enrich.provider` and `enrich.outcome`. */
export const lookupDuration = Metric.histogram(
  "enrich.lookup.duration",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Duration of a provider lookup, in seconds"
)

const labels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()

/** The labels of a provider, built once per provider name. */
export const providerLabels = (provider: string): ReadonlyArray<MetricLabel.MetricLabel> => {
  let found = labels.get(provider)
  if (found === undefined) {
    found = [MetricLabel.make("enrich.provider", provider)]
    labels.set(provider, found)
  }
  return found
}
