/**
 * The Okta client's metrics, as Effect `Metric`s, read by any metrics exporter the app installs (for instance
 * `@enrich/core/Telemetry`'s OTLP layer). Requests carry OpenTelemetry's HTTP client attributes
 * (`http.request.method`, `url.template` — the rate-limit bucket's endpoint template, never a user's id or login —
 * and `http.response.status_code`); durations are in seconds.
 *
 * They mirror the client's `stats` (requests, 429s, retries, waits), which stay the in-process view.
 *
 * @since 0.2.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

const seconds = MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 16 })

/** Requests answered by Okta, by method, endpoint template and status. */
export const requests = Metric.counter("enrich.okta.requests", {
  description: "Requests to Okta that got an answer",
  incremental: true
})

/** OpenTelemetry's `http.client.request.duration` for Okta requests (seconds), by method, template and status. */
export const requestDuration = Metric.histogram(
  "http.client.request.duration",
  seconds,
  "Duration of HTTP client requests to Okta, in seconds"
)

/** 429 answers, by endpoint template and `enrich.okta.limit_kind` (`rate` or `concurrency`). */
export const rateLimited = Metric.counter("enrich.okta.rate_limited", {
  description: "Okta answers with status 429",
  incremental: true
})

/** Retries, by endpoint template. */
export const retries = Metric.counter("enrich.okta.retries", {
  description: "Okta requests sent again after a 429, a 5xx, a network error or a timeout",
  incremental: true
})

/** Time spent waiting before a request (pacing, a reset, a backoff), in seconds, by `enrich.okta.bucket`. */
export const waits = Metric.histogram(
  "enrich.okta.wait.duration",
  seconds,
  "Time an Okta request waited for the rate limit or a retry backoff, in seconds"
)

/** @internal */
export const label = (key: string, value: string | number): MetricLabel.MetricLabel =>
  MetricLabel.make(key, String(value))
