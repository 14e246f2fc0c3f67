/**
 * The API token never leaves the Authorization header: the full stack runs at Debug level with a recognizable token
 * through every failure we can provoke (wrong token, 5xx retries, 429s, malformed JSON, timeouts, connection resets,
 * partial results), and every log line, error, result JSON (raw responses included) and span attribute is searched
 * for it.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Enricher from "@enrich/core/Enricher"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Indicator from "@enrich/core/Indicator"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { Sandbox } from "@enrich/okta/testing"
import { Cause, Duration, Effect, Layer, Logger, LogLevel, Redacted, Tracer } from "effect"
import { runWithSandboxTime } from "./support/sandboxTime.js"

const SECRET = "enrich-SECRET-7f3a9c1e5b2d4f6a8c0e"
const OTHER = "sandbox-accepts-only-this-other-token"

/** Everything the stack said, as text. */
const captured: Array<string> = []

const logger = Logger.make(({ annotations, cause, date, logLevel, message, spans }) => {
  captured.push(
    [
      logLevel.label,
      date.toISOString(),
      JSON.stringify(message),
      JSON.stringify(Object.fromEntries(annotations)),
      JSON.stringify([...spans]),
      Cause.isEmpty(cause) ? "" : Cause.pretty(cause, { renderErrorCause: true })
    ].join(" ")
  )
})

const tracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind) => {
    const attributes = new Map<string, unknown>()
    const record = (what: string, value: unknown) => captured.push(`span ${name} ${what} ${String(value)}`)
    return {
      _tag: "Span",
      name,
      spanId: String(captured.length),
      traceId: "trace",
      parent,
      context,
      status: { _tag: "Started", startTime },
      attributes,
      links,
      sampled: true,
      kind,
      // What a real exporter (OpenTelemetry) records of an exit: the failure, rendered.
      end: (_endTime, exit) => exit._tag === "Failure" && record("failure", Cause.pretty(exit.cause)),
      attribute: (key, value) => {
        attributes.set(key, value)
        record(key, JSON.stringify(value))
      },
      event: (eventName, _startTime, eventAttributes) => record(eventName, JSON.stringify(eventAttributes)),
      addLinks: () => {}
    }
  },
  context: (f) => f()
})

const stack = (sandbox: Sandbox.Options, client: Partial<OktaClient.Options> = {}) => {
  const clientLayer = Layer.unwrapEffect(
    Effect.map(Sandbox.Sandbox, (s) => OktaClient.layer({ domain: s.url, token: Redacted.make(SECRET), ...client }))
  )
  return Enricher.layerWith({ includeRaw: true }, OktaProvider.OktaProvider).pipe(
    Layer.provide(OktaProvider.layer()),
    Layer.provideMerge(clientLayer),
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provide(EnrichmentCache.layerMemory()),
    Layer.provideMerge(Sandbox.layer(sandbox)),
    Layer.provide(Logger.replace(Logger.defaultLogger, logger))
  )
}

/** Enriches the accounts through the stack at Debug level, capturing results and errors as text. */
const run = (values: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    const client = yield* OktaClient.OktaClient
    const sandbox = yield* Sandbox.Sandbox
    const inFlight = {
      client: Effect.map(client.stats!, (s) => s.inFlight),
      server: Effect.map(sandbox.counters, (c) => c.inFlight)
    }
    const results = []
    for (const value of values) {
      const indicator = yield* Effect.orDie(Indicator.account(value))
      const result = yield* runWithSandboxTime(enricher.enrich(indicator), inFlight)
      captured.push(JSON.stringify(result))
      results.push(result.enrichment.okta)
      // The client's own errors, as a caller of the client would see and print them.
      const error = yield* runWithSandboxTime(Effect.flip(client.getUser(value)), inFlight).pipe(
        Effect.catchAllDefect(() => Effect.succeed(undefined)),
        Effect.option
      )
      if (error._tag === "Some" && error.value !== undefined) {
        captured.push(String(error.value), error.value.message, JSON.stringify(error.value), String(error.value.stack))
      }
    }
    captured.push(JSON.stringify(yield* client.stats!))
    return results
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Debug), Effect.withTracer(tracer))

const expectNoSecret = () => {
  expect(captured.length).toBeGreaterThan(0)
  const leaks = captured.filter((line) => line.includes(SECRET))
  expect(leaks).toEqual([])
}

describe("the API token appears nowhere", () => {
  it.effect("a wrong token (401): results, errors, logs and spans carry the error but not the token", () =>
    Effect.gen(function*() {
      captured.length = 0
      const results = yield* run(["jsmith", "00uw5TJvTt4wHVXqCNSq", "nobody@example.com"])
      for (const okta of results) {
        expect(okta.status).toBe("failed")
        expect(okta.error_message).toContain("OKTA_API_TOKEN is invalid or expired")
      }
      expect(captured.some((line) => line.includes("OktaUnauthorized"))).toBe(true)
      expectNoSecret()
    }).pipe(Effect.provide(stack({ token: OTHER }))))

  it.effect("5xx retries, 429s, malformed JSON, timeouts, connection resets and partial results at Debug level", () =>
    Effect.gen(function*() {
      captured.length = 0
      const sandbox = yield* Sandbox.Sandbox
      const user = "GET /api/v1/users/{id}"
      // jsmith: two 5xx, then a 429, then fine; factors malformed, roles' connections reset and groups too slow for
      // the timeout at every attempt: a partial result.
      yield* sandbox.setFaults(user, { script: [Sandbox.status(503), Sandbox.status(500), Sandbox.status(429)] })
      yield* sandbox.setFaults("GET /api/v1/users/{id}/factors", { script: [Sandbox.malformedJson] })
      yield* sandbox.setFaults("GET /api/v1/users/{id}/roles", { random: [{ probability: 1, fault: Sandbox.reset }] })
      yield* sandbox.setFaults("GET /api/v1/users/{id}/groups", { latency: Duration.seconds(30) })
      const [first] = yield* run(["jsmith"])
      expect(first.status).toBe("success")
      expect(first.warnings?.join("\n")).toMatch(/factors: .*JSON/)
      expect(first.warnings?.join("\n")).toMatch(/roles: .*network/)
      expect(first.warnings?.join("\n")).toMatch(/groups: .*timeout/)

      // A lookup that fails outright: persistent 503 on the user.
      yield* sandbox.setFaults(user, { random: [{ probability: 1, fault: Sandbox.status(503) }] })
      const [second] = yield* run(["maria.garcia@example.com"])
      expect(second.status).toBe("failed")
      expect(second.error_message).toMatch(/503/)

      // A malformed user body.
      yield* sandbox.setFaults(user, { script: [Sandbox.malformedJson] })
      const [third] = yield* run(["alice.admin@example.com"])
      expect(third.status).toBe("failed")

      const debug = captured.filter((line) => line.startsWith("DEBUG"))
      expect(debug.some((line) => line.includes("will be retried"))).toBe(true)
      expect(captured.some((line) => line.includes("http.request.header.authorization"))).toBe(true)
      expectNoSecret()
    }).pipe(Effect.provide(stack({ token: SECRET }, { timeout: "5 seconds" }))))
})
