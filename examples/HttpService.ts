/**
 * Example: enrich as a small HTTP service, for a SOAR or an AI agent in any language. Built with @effect/platform's
 * `HttpApi`: `POST /v1/enrichments` takes indicators and returns one result per indicator, in order, in the product
 * page's JSON shape (the same objects `enrich account` prints); `GET /openapi.json` is the generated OpenAPI document.
 *
 *   curl -s localhost:8080/v1/enrichments -H 'content-type: application/json' \
 *     -d '{"indicators":[{"type":"account","value":"jsmith@acme.com"}]}'
 *
 * Run it (from the repository root; OKTA_DOMAIN / OKTA_API_TOKEN as for the CLI, PORT default 8080):
 *
 *   node --conditions=@enrich/source --import tsx examples/HttpService.ts
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as OpenApi from "@effect/platform/OpenApi"
import { Enricher, EnrichmentResult, Indicator } from "@enrich/core"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createServer } from "node:http"
import { fileURLToPath } from "node:url"
import { enricherLayer, OktaLive } from "./EnrichStream.js"

/** At most this many indicators per request: one request must not hold the service for long. */
export const maxIndicators = 1_000

export const EnrichmentsRequest = Schema.Struct({
  indicators: Schema.Array(Schema.Struct({
    type: Schema.String.annotations({ description: "account, email, ip, domain, url or hash" }),
    value: Schema.String
  })).pipe(Schema.maxItems(maxIndicators))
}).annotations({ identifier: "EnrichmentsRequest" })

export const EnrichmentsResponse = Schema.Struct({
  results: Schema.Array(EnrichmentResult.EnrichmentResult)
}).annotations({ identifier: "EnrichmentsResponse" })

export class EnrichmentsGroup extends HttpApiGroup.make("enrichments").add(
  HttpApiEndpoint.post("enrich", "/v1/enrichments")
    .setPayload(EnrichmentsRequest)
    .addSuccess(EnrichmentsResponse)
    .annotate(OpenApi.Summary, "Enrich indicators: one result per indicator, in request order")
) {}

export class EnrichApi extends HttpApi.make("enrich").add(EnrichmentsGroup).annotate(OpenApi.Title, "enrich") {}

/** The handlers: an invalid indicator becomes a failed record in its place, as in the CLI. */
export const EnrichmentsLive = HttpApiBuilder.group(EnrichApi, "enrichments", (handlers) =>
  Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    return handlers.handle("enrich", ({ payload }) =>
      Stream.fromIterable(payload.indicators).pipe(
        Stream.mapEffect(({ type, value }) => Effect.merge(Indicator.decode({ type, value }))),
        (inputs) => enricher.enrichAll(inputs),
        Stream.runCollect,
        Effect.map((results) => ({ results: Array.from(results) }))
      ))
  }))

/** The API with its handlers and `/openapi.json`; it needs an Enricher. */
export const ApiLive = HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }).pipe(
  Layer.provideMerge(HttpApiBuilder.api(EnrichApi)),
  Layer.provide(EnrichmentsLive)
)

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  Layer.unwrapEffect(Effect.map(
    Config.port("PORT").pipe(Config.withDefault(8080)),
    (port) =>
      HttpApiBuilder.serve(HttpMiddleware.logger).pipe(
        Layer.provide(ApiLive),
        Layer.provide(enricherLayer(OktaLive)),
        Layer.provide(NodeHttpServer.layer(createServer, { port }))
      )
  )).pipe(Layer.launch, NodeRuntime.runMain)
}
