import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaMetrics from "@enrich/okta/OktaMetrics"
import { Sandbox } from "@enrich/okta/testing"
import { Effect, Logger, Metric, type MetricState } from "effect"

const template = "/api/v1/users/{id}"
const requests = (status: number) =>
  Metric.value(
    OktaMetrics.requests.pipe(
      Metric.tagged("http.request.method", "GET"),
      Metric.tagged("url.template", template),
      Metric.tagged("http.response.status_code", String(status))
    )
  ).pipe(Effect.map((state) => state.count))
const durations = Metric.value(
  OktaMetrics.requestDuration.pipe(
    Metric.tagged("http.request.method", "GET"),
    Metric.tagged("url.template", template),
    Metric.tagged("http.response.status_code", "200")
  )
).pipe(Effect.map((state: MetricState.MetricState.Histogram) => state.count))
const retries = Metric.value(
  OktaMetrics.retries.pipe(Metric.tagged("http.request.method", "GET"), Metric.tagged("url.template", template))
).pipe(Effect.map((state) => state.count))

describe("OktaMetrics", () => {
  it.live("counts requests by method, endpoint template and status, their durations, and retries", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ faults: { "GET /api/v1/users/{id}": { script: [Sandbox.status(503)] } } })
      const client = yield* OktaClient.make({
        domain: sandbox.url,
        token: sandbox.token,
        retryBackoff: "1 millis",
        retryBackoffCap: "2 millis"
      })
      const before = {
        ok: yield* requests(200),
        unavailable: yield* requests(503),
        durations: yield* durations,
        retries: yield* retries
      }

      yield* client.getUser("jsmith")

      expect((yield* requests(503)) - before.unavailable).toBe(1)
      expect((yield* requests(200)) - before.ok).toBe(1)
      expect((yield* durations) - before.durations).toBe(1)
      expect((yield* retries) - before.retries).toBe(1)
    }).pipe(
      Effect.scoped,
      Effect.provide(NodeHttpClient.layerUndici),
      Effect.provide(Logger.remove(Logger.defaultLogger))
    ))
})
