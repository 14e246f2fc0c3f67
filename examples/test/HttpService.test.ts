import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as OpenApi from "@effect/platform/OpenApi"
import { describe, expect, it } from "@effect/vitest"
import { FakeOktaClient } from "@enrich/okta/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { enricherLayer } from "../EnrichStream.js"
import { ApiLive, EnrichmentsResponse } from "../HttpService.js"

/** The service as a web handler (no port), over the in-memory FakeOktaClient. */
const service = Effect.acquireRelease(
  Effect.sync(() =>
    HttpApiBuilder.toWebHandler(
      Layer.mergeAll(ApiLive.pipe(Layer.provide(enricherLayer(FakeOktaClient.layer()))), HttpServer.layerContext)
    )
  ),
  ({ dispose }) => Effect.promise(dispose)
)

const post = (handler: (request: Request) => Promise<Response>, body: unknown) =>
  Effect.promise(() =>
    handler(
      new Request("http://localhost/v1/enrichments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    )
  )

describe("HttpService", () => {
  it.scoped("POST /v1/enrichments: one result per indicator, in order, in the product page's shape", () =>
    Effect.gen(function*() {
      const { handler } = yield* service
      const response = yield* post(handler, {
        indicators: [
          { type: "account", value: "jsmith@example.com" },
          { type: "account", value: "carol.white@example.com" },
          { type: "ip", value: "192.0.2.1" },
          { type: "account", value: "" }
        ]
      })
      expect(response.status).toBe(200)
      const { results } = yield* Effect.promise(() => response.json()).pipe(
        Effect.flatMap(Schema.decodeUnknown(EnrichmentsResponse))
      )
      expect(results).toHaveLength(4)
      expect(results[0]).toMatchObject({
        indicator: { type: "account", value: "jsmith@example.com" },
        verdict: "Pending",
        enrichment: { okta: { status: "success", extracted: { found: true, login: "jsmith@example.com" } } }
      })
      expect(results[1]).toMatchObject({ verdict: "Suspicious", enrichment: { okta: { matched_rule: { index: 0 } } } })
      expect(results[2].enrichment.okta.status).toBe("skipped")
      expect(results[3].error).toEqual(expect.any(String))
    }))

  it.scoped("refuses a request without indicators with 400 and the reason", () =>
    Effect.gen(function*() {
      const { handler } = yield* service
      const response = yield* post(handler, { indicator: "jsmith" })
      expect(response.status).toBe(400)
      expect(yield* Effect.promise(() => response.text())).toContain("indicators")
    }))

  it.scoped("serves its OpenAPI document at /openapi.json", () =>
    Effect.gen(function*() {
      const { handler } = yield* service
      const response = yield* Effect.promise(() => handler(new Request("http://localhost/openapi.json")))
      const document = yield* Effect.promise(() => response.json() as Promise<OpenApi.OpenAPISpec>)
      expect(document.openapi).toMatch(/^3\./)
      expect(Object.keys(document.paths)).toEqual(["/v1/enrichments"])
      expect(document.paths["/v1/enrichments"].post?.requestBody).toMatchObject({ required: true })
      expect(Object.keys(document.components.schemas ?? {})).toEqual(
        expect.arrayContaining(["EnrichmentsRequest", "EnrichmentsResponse"])
      )
    }))
})
