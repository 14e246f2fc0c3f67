/**
 * The sandbox's route table and its authentication step (internal modules): how a path finds its route family, and
 * how authenticators are tried.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import * as Auth from "../src/testing/internal/auth.js"
import * as Route from "../src/testing/internal/route.js"
import * as RouteTable from "../src/testing/internal/routeTable.js"
import * as Sandbox from "../src/testing/Sandbox.js"

const segments = (path: string) => path.split("/").map(decodeURIComponent)
const matched = (method: string, path: string) => {
  const match = RouteTable.match(method, segments(path))
  return match._tag === "Unmatched" ? "Unmatched" : `${match._tag} ${match.route.name}`
}

describe("Sandbox routing", () => {
  it("matches each family's templates, with decoded path parameters", () => {
    expect(matched("GET", "/api/v1/users/jsmith%40example.com")).toBe("Route GET /api/v1/users/{id}")
    expect(matched("GET", "/api/v1/users")).toBe("Route GET /api/v1/users")
    expect(matched("GET", "/api/v1/users/00u1/groups")).toBe("Route GET /api/v1/users/{id}/groups")
    expect(matched("GET", "/api/v1/users/00u1/factors")).toBe("Route GET /api/v1/users/{id}/factors")
    expect(matched("GET", "/api/v1/users/00u1/roles")).toBe("Route GET /api/v1/users/{id}/roles")
    expect(matched("GET", "/api/v1/logs")).toBe("Route GET /api/v1/logs")
    const match = RouteTable.match("GET", segments("/api/v1/users/svc%2Fbackup%40example.com/groups"))
    expect(match._tag === "Route" && match.pathParams).toEqual({ id: "svc/backup@example.com" })
  })

  it("tells a known path with another method (405) from an unknown path (404)", () => {
    expect(matched("DELETE", "/api/v1/users/jsmith")).toBe("WrongMethod GET /api/v1/users/{id}")
    expect(matched("POST", "/api/v1/logs")).toBe("WrongMethod GET /api/v1/logs")
    for (
      const path of ["/api/v1/users/", "/api/v1/users//groups", "/api/v1/apps", "/api/v2/users", "/", "/api/v1/logs/x"]
    ) {
      expect(matched("GET", path), path).toBe("Unmatched")
    }
  })

  it("derives the Route names and default limits from the table", () => {
    expect(RouteTable.table.map((route) => route.name)).toEqual(
      Object.keys(Sandbox.defaultRateLimits).filter((name) => name !== "UNMATCHED")
    )
    expect(Sandbox.defaultRateLimits).toEqual({
      "GET /api/v1/users/{id}": 2000,
      "GET /api/v1/users": 600,
      "GET /api/v1/users/{id}/groups": 1200,
      "GET /api/v1/users/{id}/factors": 1200,
      "GET /api/v1/users/{id}/roles": 1200,
      "GET /api/v1/logs": 120,
      "POST /oauth2/v1/token": 600,
      "UNMATCHED": 1200
    })
  })

  it("defines a route from its name: method, template and API auth by default", () => {
    const route = Route.define("POST /oauth2/v1/token", {
      rateLimit: 600,
      auth: "none",
      handle: () => ({ status: 200, body: {} })
    })
    expect([route.method, route.auth]).toEqual(["POST", "none"])
    expect(Option.isSome(route.match(segments("/oauth2/v1/token")))).toBe(true)
    expect(Option.isNone(route.match(segments("/oauth2/v1/token/x")))).toBe(true)
    const api = Route.define("GET /api/v1/things/{thingId}", {
      rateLimit: 1,
      handle: () => ({ status: 200, body: {} })
    })
    expect(api.auth).toBe("api")
    expect(api.match(segments("/api/v1/things/a%20b"))).toEqual(Option.some({ thingId: "a b" }))
  })
})

describe("Sandbox authentication step", () => {
  const request = (authorization?: string): Auth.AuthRequest => ({
    method: "GET",
    url: "/api/v1/users/jsmith",
    headers: authorization === undefined ? {} : { authorization }
  })
  const token = Redacted.make("t0k3n")

  it.effect("SSWS accepts exactly `SSWS <token>`", () =>
    Effect.gen(function*() {
      expect(yield* Auth.ssws(token)(request("SSWS t0k3n"))).toEqual(Option.some({ scheme: "SSWS" }))
      for (const authorization of [undefined, "SSWS wrong", "Bearer t0k3n", "t0k3n", "ssws t0k3n", "SSWS t0k3n "]) {
        expect(Option.isNone(yield* Auth.ssws(token)(request(authorization))), String(authorization)).toBe(true)
      }
    }))

  it.effect("tries authenticators in order and takes the first that accepts", () =>
    Effect.gen(function*() {
      const bearer: Auth.Authenticator = (r) =>
        Effect.succeed(r.headers.authorization === "Bearer at" ? Option.some({ scheme: "Bearer" }) : Option.none())
      const both = Auth.firstOf([Auth.ssws(token), bearer])
      expect(yield* both(request("Bearer at"))).toEqual(Option.some({ scheme: "Bearer" }))
      expect(yield* both(request("SSWS t0k3n"))).toEqual(Option.some({ scheme: "SSWS" }))
      expect(Option.isNone(yield* both(request("Bearer other")))).toBe(true)
      expect(Option.isNone(yield* Auth.firstOf([])(request("SSWS t0k3n")))).toBe(true)
    }))
})
