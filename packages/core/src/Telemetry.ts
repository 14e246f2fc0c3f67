/**
 * OpenTelemetry export of enrich's spans and metrics over OTLP/HTTP (JSON), for the CLI and for apps that embed
 * enrich. {@link layerConfig} follows the standard OpenTelemetry environment variables: with
 * `OTEL_EXPORTER_OTLP_ENDPOINT` unset it is an empty Layer that loads nothing and sends nothing.
 *
 * `@effect/opentelemetry` (an optional peer dependency) is imported only when an endpoint is configured, so an app
 * or a CLI run without tracing never loads it.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** Where and as whom to export. */
export interface Options {
  /** The collector's base URL, e.g. `http://localhost:4318`; `/v1/traces` and `/v1/metrics` are appended. */
  readonly endpoint: string
  /** `service.name` of the resource. */
  readonly serviceName: string
  readonly serviceVersion?: string | undefined
  /** More resource attributes (`deployment.environment`, ...). */
  readonly attributes?: Readonly<Record<string, string>> | undefined
  /** Headers for the collector (an API key, say): redacted, never logged or put in a span. */
  readonly headers?: Readonly<Record<string, Redacted.Redacted>> | undefined
  /** How often batches are sent; whatever is left is sent when the Layer's scope closes. Default 5 seconds. */
  readonly exportInterval?: Duration.DurationInput | undefined
}

/**
 * Exports the spans and metrics of every effect run with this Layer provided to an OTLP/HTTP collector, as JSON.
 * Needs an `HttpClient` for the export requests (their own spans are not traced).
 */
export const layer = (options: Options): Layer.Layer<never, never, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.promise(() =>
      Promise.all([
        import("@effect/opentelemetry/OtlpTracer"),
        import("@effect/opentelemetry/OtlpMetrics"),
        import("@effect/opentelemetry/OtlpSerialization")
      ])
    ).pipe(
      Effect.map(([OtlpTracer, OtlpMetrics, OtlpSerialization]) => {
        const base = options.endpoint.replace(/\/+$/, "")
        const resource = {
          serviceName: options.serviceName,
          serviceVersion: options.serviceVersion,
          attributes: { ...options.attributes }
        }
        const headers = Object.fromEntries(
          Object.entries(options.headers ?? {}).map(([name, value]) => [name, Redacted.value(value)])
        )
        const interval = options.exportInterval ?? Duration.seconds(5)
        return Layer.mergeAll(
          OtlpTracer.layer({ url: `${base}/v1/traces`, resource, headers, exportInterval: interval }),
          OtlpMetrics.layer({ url: `${base}/v1/metrics`, resource, headers, exportInterval: interval })
        ).pipe(Layer.provide(OtlpSerialization.layerJson))
      })
    )
  )

/** `k1=v1,k2=v2` (values percent-encoded), the format of `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`. */
const keyValues = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const entries: Array<[string, string]> = []
      for (const pair of text.split(",")) {
        if (pair.trim() === "") continue
        const at = pair.indexOf("=")
        if (at <= 0) {
          return Either.left(
            // The pair itself is not quoted: it may hold a collector's API key.
            ConfigError.InvalidData([name], `expected key=value pairs separated by commas, got a pair without "="`)
          )
        }
        try {
          entries.push([pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())])
        } catch {
          return Either.left(ConfigError.InvalidData([name], `a value is not valid percent-encoding`))
        }
      }
      return Either.right(Object.fromEntries(entries))
    }),
    Config.option
  )

/**
 * The standard OpenTelemetry variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (unset: no export),
 * `OTEL_SERVICE_NAME` (else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `defaults.serviceName`),
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`, and `OTEL_SDK_DISABLED=true` to turn export off.
 */
export const config = (
  defaults: { readonly serviceName: string; readonly serviceVersion?: string | undefined }
): Config.Config<Option.Option<Options>> =>
  Config.all({
    disabled: Config.boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
    endpoint: Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT")),
    serviceName: Config.option(Config.nonEmptyString("OTEL_SERVICE_NAME")),
    attributes: keyValues("OTEL_RESOURCE_ATTRIBUTES"),
    headers: keyValues("OTEL_EXPORTER_OTLP_HEADERS")
  }).pipe(
    Config.mapOrFail(({ attributes, disabled, endpoint, headers, serviceName }) => {
      if (disabled || Option.isNone(endpoint)) return Either.right(Option.none())
      try {
        const url = new URL(endpoint.value)
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(url.protocol)
      } catch {
        return Either.left(
          ConfigError.InvalidData(
            ["OTEL_EXPORTER_OTLP_ENDPOINT"],
            `expected an http(s) URL such as http://localhost:4318, got ${JSON.stringify(endpoint.value)}`
          )
        )
      }
      const resourceAttributes = Option.getOrElse(attributes, () => ({}) as Record<string, string>)
      return Either.right(Option.some<Options>({
        endpoint: endpoint.value,
        serviceName: Option.getOrElse(serviceName, () => resourceAttributes["service.name"] ?? defaults.serviceName),
        serviceVersion: resourceAttributes["service.version"] ?? defaults.serviceVersion,
        attributes: resourceAttributes,
        headers: Object.fromEntries(
          Object.entries(Option.getOrElse(headers, () => ({}))).map(([name, value]) => [name, Redacted.make(value)])
        )
      }))
    })
  )

/** A malformed `OTEL_*` variable; the message names it (and never quotes a header value). */
export class TelemetryConfigError extends Schema.TaggedError<TelemetryConfigError>()("TelemetryConfigError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/**
 * {@link layer} configured from the environment (see {@link config}); an empty Layer, with nothing imported, when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is unset. Fails with a {@link TelemetryConfigError} naming the variable when one is malformed.
 */
export const layerConfig = (
  defaults: { readonly serviceName: string; readonly serviceVersion?: string | undefined }
): Layer.Layer<never, TelemetryConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    config(defaults).pipe(
      // `String(error)` names the variable ("Invalid data at OTEL_...: ..."); drop the parentheses around it.
      Effect.mapError((error) => new TelemetryConfigError({ reason: String(error).replace(/^\((.*)\)$/s, "$1") })),
      Effect.map(Option.match({ onNone: () => Layer.empty, onSome: layer }))
    )
  )
