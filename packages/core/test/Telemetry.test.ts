import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Telemetry from "@enrich/core/Telemetry"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as OtlpReceiver from "./support/OtlpReceiver.js"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromJson(env))
const defaults = { serviceName: "enrich", serviceVersion: "0.1.0" }

describe("Telemetry", () => {
  describe("config, from the standard OpenTelemetry variables", () => {
    it.effect("is off when OTEL_EXPORTER_OTLP_ENDPOINT is unset", () =>
      Effect.gen(function*() {
        expect(yield* Telemetry.config(defaults).pipe(withEnv({ OTEL_SERVICE_NAME: "x" }))).toEqual(Option.none())
      }))

    it.effect("is off when OTEL_SDK_DISABLED=true, even with an endpoint", () =>
      Effect.gen(function*() {
        const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_SDK_DISABLED: "true" }
        expect(yield* Telemetry.config(defaults).pipe(withEnv(env))).toEqual(Option.none())
      }))

    it.effect("reads the endpoint, the service name, resource attributes and headers (redacted)", () =>
      Effect.gen(function*() {
        const options = yield* Telemetry.config(defaults).pipe(
          withEnv({
            OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com:4318",
            OTEL_SERVICE_NAME: "soar-enrich",
            OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=sec%20ops",
            OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s3cr3t"
          }),
          Effect.map(Option.getOrThrow)
        )
        expect(options.endpoint).toBe("https://otel.example.com:4318")
        expect(options.serviceName).toBe("soar-enrich")
        expect(options.serviceVersion).toBe("0.1.0")
        expect(options.attributes).toEqual({ "deployment.environment": "prod", team: "sec ops" })
        expect(Redacted.isRedacted(options.headers?.["x-api-key"])).toBe(true)
        expect(String(options.headers?.["x-api-key"])).not.toContain("s3cr3t")
      }))

    it.effect("takes service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset, else the default", () =>
      Effect.gen(function*() {
        const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318" }
        const fromAttributes = yield* Telemetry.config(defaults).pipe(
          withEnv({ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: "service.name=triage" }),
          Effect.map(Option.getOrThrow)
        )
        expect(fromAttributes.serviceName).toBe("triage")
        const fallback = yield* Telemetry.config(defaults).pipe(withEnv(endpoint), Effect.map(Option.getOrThrow))
        expect(fallback.serviceName).toBe("enrich")
      }))

    it.effect("refuses an endpoint that is not an http(s) URL, naming the variable", () =>
      Effect.gen(function*() {
        const error = yield* Telemetry.config(defaults).pipe(
          withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" }),
          Effect.flip
        )
        expect(String(error)).toContain("OTEL_EXPORTER_OTLP_ENDPOINT")
        expect(String(error)).toContain("http://localhost:4318")
      }))

    it.effect("refuses malformed headers without quoting them (they may hold an API key)", () =>
      Effect.gen(function*() {
        const error = yield* Telemetry.config(defaults).pipe(
          withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_EXPORTER_OTLP_HEADERS: "s3cr3t" }),
          Effect.flip
        )
        expect(String(error)).toContain("OTEL_EXPORTER_OTLP_HEADERS")
        expect(String(error)).not.toContain("s3cr3t")
      }))
  })

  describe("layerConfig", () => {
    it.live("sends nothing when OTEL_EXPORTER_OTLP_ENDPOINT is unset", () =>
      Effect.gen(function*() {
        const requests: Array<string> = []
        const recording = HttpClient.make((request) => {
          requests.push(request.url)
          return Effect.die("no request expected")
        })
        yield* Effect.void.pipe(
          Effect.withSpan("lookup"),
          Effect.provide(
            Telemetry.layerConfig(defaults).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, recording)))
          ),
          withEnv({})
        )
        expect(requests).toEqual([])
      }))

    it.live("exports spans and metrics to the collector as OTLP JSON when the scope closes", () =>
      Effect.gen(function*() {
        const receiver = yield* OtlpReceiver.start
        const lookups = Metric.counter("enrich_test_lookups")
        yield* Metric.increment(lookups).pipe(
          Effect.withSpan("lookup", { attributes: { "enrich.indicator.type": "account" } }),
          Effect.provide(Telemetry.layerConfig(defaults).pipe(Layer.provide(FetchHttpClient.layer))),
          withEnv({
            OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
            OTEL_SERVICE_NAME: "enrich-test",
            OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-key"
          })
        )
        expect(receiver.spanNames()).toContain("lookup")
        const traces = receiver.exports.find((e) => e.path === "/v1/traces")
        expect(traces?.headers["authorization"]).toBe("Bearer collector-key")
        expect(JSON.stringify(traces?.body)).toContain("enrich-test")
        const metrics = receiver.exports.filter((e) => e.path === "/v1/metrics")
        expect(JSON.stringify(metrics.map((e) => e.body))).toContain("enrich_test_lookups")
      }).pipe(Effect.scoped))
  })
})
