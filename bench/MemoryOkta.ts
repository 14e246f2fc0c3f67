/**
 * An Okta org answered in memory, as an Effect `HttpClient` (no socket): the synthetic org's users, groups, factors
 * and roles are generated on demand for every request. The cache scenario fills the Enricher's cache through it, so
 * the cached entries are exactly what the real client and provider produce, without 400,000 loopback requests.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SyntheticOrg from "./SyntheticOrg.js"

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

const notFound = () =>
  json(404, {
    errorCode: "E0000007",
    errorSummary: "Not found: Resource not found",
    errorLink: "E0000007",
    errorId: "oaememory",
    errorCauses: []
  })

const route = (path: string, groups: number, groupsPerUser: number): Response => {
  const segments = path.split("/").map(decodeURIComponent)
  // ["", "api", "v1", "users", id, relation?]
  const n = segments[3] === "users" ? SyntheticOrg.userIndex(segments[4] ?? "") : undefined
  if (n === undefined) return notFound()
  const seed = SyntheticOrg.seedUser(n, groups, groupsPerUser)
  const memberOf = SyntheticOrg.groupIndices(n, groups, groupsPerUser).map(SyntheticOrg.seedGroup)
  switch (segments[5]) {
    case undefined:
      return json(200, seed.user)
    case "groups":
      return json(200, memberOf.map((g) => g.group))
    case "factors":
      return json(200, seed.factors)
    case "roles":
      return json(200, [...seed.roles, ...memberOf.flatMap((g) => g.roles)])
    default:
      return notFound()
  }
}

/** The in-memory org as the `HttpClient` (users are addressed by id only). */
export const layer = (spec: { readonly groups?: number; readonly groupsPerUser?: number } = {}) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, url) =>
      Effect.sync(() =>
        HttpClientResponse.fromWeb(request, route(url.pathname, spec.groups ?? 200, spec.groupsPerUser ?? 8))
      )
    )
  )
