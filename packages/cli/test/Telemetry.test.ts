import { describe, expect, it } from "@effect/vitest"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as Effect from "effect/Effect"
import * as OtlpReceiver from "../../core/test/support/OtlpReceiver.js"
import * as Cli from "./support/Cli.js"

describe("enrich with OTEL_EXPORTER_OTLP_ENDPOINT set", () => {
  it.live("exports the spans of a sandbox lookup to the collector, with no token in any attribute", () =>
    Effect.gen(function*() {
      const receiver = yield* OtlpReceiver.start
      const result = yield* Cli.run(["account", "jsmith", "--sandbox"], {
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: "enrich-e2e",
          OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=collector-secret"
        }
      })
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout).enrichment.okta.extracted.found).toBe(true)

      const names = receiver.spanNames()
      expect(names).toContain("OktaProvider.enrich")
      expect(names).toContain("OktaClient.getUser")
      expect(names.some((name) => name.startsWith("http.client GET"))).toBe(true)
      const traces = receiver.exports.filter((e) => e.path === "/v1/traces")
      expect(JSON.stringify(traces.map((e) => e.body))).toContain("enrich-e2e")
      expect(traces[0]?.headers["x-api-key"]).toBe("collector-secret")

      // Each Okta request's operation span says its endpoint template (the bucket) and attempts.
      expect(JSON.stringify(receiver.spans())).toContain("enrich.okta.bucket")
      // The metrics: Okta requests (OpenTelemetry's HTTP client duration too), cache misses, lookup durations.
      const metrics = JSON.stringify(receiver.exports.filter((e) => e.path === "/v1/metrics").map((e) => e.body))
      for (const name of ["enrich.okta.requests", "http.client.request.duration", "enrich.cache.misses"]) {
        expect(metrics).toContain(`"${name}"`)
      }
      expect(metrics).toContain("enrich.lookup.duration")

      const everything = JSON.stringify(receiver.exports.map((e) => e.body))
      expect(everything).not.toContain(Sandbox.defaultToken)
      expect(everything).not.toContain("collector-secret")
      expect(result.stderr).not.toContain(Sandbox.defaultToken)
    }).pipe(Effect.scoped))

  it.live("stops with exit code 2 naming the variable when the endpoint is not a URL", () =>
    Effect.gen(function*() {
      const result = yield* Cli.run(["account", "jsmith", "--sandbox"], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }
      })
      expect(result.code).toBe(2)
      expect(result.stderr).toContain("OTEL_EXPORTER_OTLP_ENDPOINT")
      expect(result.stdout).toBe("")
    }))
})
