/**
 * @since 0.1.0
 */
export * as Durations from "./Durations.js"
export * as Enricher from "./Enricher.js"
export * as EnrichmentCache from "./EnrichmentCache.js"
export * as EnrichmentMetrics from "./EnrichmentMetrics.js"
export * as EnrichmentResult from "./EnrichmentResult.js"
export * as Indicator from "./Indicator.js"
export * as MaliceRules from "./MaliceRules.js"
export * as Printable from "./Printable.js"
export * as Provider from "./Provider.js"
export * as ProviderResult from "./ProviderResult.js"
export * as Redis from "./Redis.js"
export * as Telemetry from "./Telemetry.js"
export * as Verdict from "./Verdict.js"
