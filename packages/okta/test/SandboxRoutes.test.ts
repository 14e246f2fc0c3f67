/**
 * The sandbox's route families over HTTP: users (by id or login, list, search, filter, q), a user's groups, factors
 * and roles, and the System Log.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { json, nextPath } from "./fixtures/SandboxHttp.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string) => org.usersByLogin.get(login.toLowerCase())!.json.id
const jsmithId = idOf("jsmith@example.com")
const search = (expression: string) => `/api/v1/users?search=${encodeURIComponent(expression)}`

describe("Sandbox routes", () => {
  describe("GET /api/v1/users/{idOrLogin}", () => {
    it.scoped("finds the product page's user by id, login, encoded login, other case and short name", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        for (
          const idOrLogin of [jsmithId, "jsmith@example.com", "jsmith%40example.com", "JSMITH%40Example.com", "jsmith"]
        ) {
          const response = yield* json(sandbox, `/api/v1/users/${idOrLogin}`)
          expect(response.status, idOrLogin).toBe(200)
          expect(response.json.id).toBe(jsmithId)
          expect(response.json.profile).toMatchObject({
            login: "jsmith@example.com",
            department: "Engineering",
            title: "Senior Developer"
          })
          expect(response.json.lastLogin).toBe("2025-01-15T08:30:00.000Z")
        }
      }))

    it.scoped("decodes logins with +, ', accents, capitals; / only by id", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        for (
          const login of [
            "nina+test@example.com",
            "owen.o'brien@example.com",
            "josé.garcía@example.com",
            "zoë.müller@example.com",
            "quentin.tarrant@example.com"
          ]
        ) {
          const response = yield* json(sandbox, `/api/v1/users/${encodeURIComponent(login)}`)
          expect(response.status, login).toBe(200)
          expect(response.json.profile.login.toLowerCase()).toBe(login.toLowerCase())
        }
        const service = yield* json(sandbox, `/api/v1/users/${encodeURIComponent("svc/backup@example.com")}`)
        expect(service.status).toBe(404)
        const byId = yield* json(sandbox, `/api/v1/users/${idOf("svc/backup@example.com")}`)
        expect(byId.json.profile.login).toBe("svc/backup@example.com")
      }))

    it.scoped("answers 404 E0000007 for unknown users and ambiguous short names", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        for (const idOrLogin of ["nobody@example.com", "jdoe", "00u00000000000000000"]) {
          const response = yield* json(sandbox, `/api/v1/users/${idOrLogin}`)
          expect(response.status).toBe(404)
          expect(response.json.errorCode).toBe("E0000007")
          expect(response.json.errorSummary).toContain(idOrLogin)
        }
        expect((yield* json(sandbox, "/api/v1/users/jdoe%40example.com")).json.profile.firstName).toBe("Jane")
      }))

    it.scoped("answers unknown paths with 404 and other methods with 405", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const unknown = yield* json(sandbox, "/api/v1/apps")
        expect(unknown.status).toBe(404)
        expect(unknown.json.errorCode).toBe("E0000007")
        expect(unknown.headers["content-type"]).toBe("application/json")
        const post = yield* json(sandbox, "/api/v1/users/jsmith", { method: "DELETE" })
        expect(post.status).toBe(405)
        expect(post.json.errorCode).toBe("E0000022")
        const counters = yield* sandbox.counters
        expect(counters.byRoute["UNMATCHED"]).toEqual({ "404": 1 })
      }))
  })

  describe("GET /api/v1/users", () => {
    it.scoped("searches case-insensitively, includes DEPROVISIONED, handles \\\" escapes", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const shared = yield* json(sandbox, search("profile.email eq \"MIKE.JONES@EXAMPLE.COM\""))
        expect(shared.json.map((u: any) => u.profile.login).sort()).toEqual(
          ["mike.jones.admin@example.com", "mjones@example.com"]
        )
        const gone = yield* json(sandbox, search("status eq \"DEPROVISIONED\""))
        expect(gone.json.map((u: any) => u.profile.login)).toEqual(["dave.former@example.com"])
        const quoted = yield* json(sandbox, search("profile.displayName eq \"Owen \\\"Obi\\\" O'Brien\""))
        expect(quoted.json.map((u: any) => u.profile.login)).toEqual(["owen.o'brien@example.com"])
        const combined = yield* json(
          sandbox,
          search("profile.department eq \"engineering\" and (status eq \"STAGED\" or profile.login sw \"JSMITH\")")
        )
        expect(combined.json.map((u: any) => u.profile.login).sort()).toEqual(
          ["frank.new@example.com", "jsmith@example.com"]
        )
      }))

    it.scoped("answers invalid search syntax with 400 E0000031", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        for (
          const expression of ["profile.email eq", "profile.email equals \"x\"", "(status eq \"ACTIVE\"", "x eq y"]
        ) {
          const response = yield* json(sandbox, search(expression))
          expect(response.status, expression).toBe(400)
          expect(response.json.errorCode).toBe("E0000031")
          expect(response.json.errorCauses[0].errorSummary).toBeTruthy()
        }
      }))

    it.scoped("filters case-sensitively and q matches prefixes without DEPROVISIONED users or paging", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const exact = yield* json(
          sandbox,
          `/api/v1/users?filter=${encodeURIComponent("profile.login eq \"jsmith@example.com\"")}`
        )
        expect(exact.json.map((u: any) => u.id)).toEqual([jsmithId])
        const wrongCase = yield* json(
          sandbox,
          `/api/v1/users?filter=${encodeURIComponent("profile.login eq \"JSMITH@example.com\"")}`
        )
        expect(wrongCase.json).toEqual([])
        const q = yield* json(sandbox, "/api/v1/users?q=da")
        expect(q.json).toEqual([])
        const dSearch = yield* json(sandbox, search("profile.firstName sw \"da\""))
        expect(dSearch.json).toHaveLength(1)
        const many = yield* json(sandbox, "/api/v1/users?q=j")
        expect(many.json.map((u: any) => u.profile.login).sort()).toEqual([
          "jdoe@contractor.example.org",
          "jdoe@example.com",
          "josé.garcía@example.com",
          "jsmith@example.com",
          "mike.jones.admin@example.com",
          "mjones@example.com"
        ])
        expect((yield* json(sandbox, "/api/v1/users?q=j&limit=2")).json).toHaveLength(2)
        expect(many.links).toHaveLength(1)
        expect(many.links[0]).toMatch(/rel="self"$/)
      }))

    it.scoped("pages the user list with limit/after and Link headers", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const seen: Array<string> = []
        let path: string | undefined = "/api/v1/users?limit=7"
        let pages = 0
        while (path !== undefined) {
          const response: any = yield* json(sandbox, path)
          pages++
          expect(response.json.length).toBeLessThanOrEqual(7)
          seen.push(...response.json.map((u: any) => u.id))
          path = nextPath(sandbox, response)
        }
        const expected = org.users.filter((u) => u.json.status !== "DEPROVISIONED").map((u) => u.json.id)
        expect(seen).toEqual(expected)
        expect(pages).toBe(Math.ceil(expected.length / 7))
      }))
  })

  describe("GET /api/v1/users/{id}/groups", () => {
    it.scoped("pages 450 groups by 200 with separate self and next Link lines", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const userId = idOf("paula.groups@example.com")
        const first = yield* json(sandbox, `/api/v1/users/${userId}/groups`)
        expect(first.json).toHaveLength(200)
        expect(first.links).toEqual([
          `<${sandbox.url}/api/v1/users/${userId}/groups>; rel="self"`,
          `<${sandbox.url}/api/v1/users/${userId}/groups?after=${first.json[199].id}&limit=200>; rel="next"`
        ])
        const second = yield* json(sandbox, nextPath(sandbox, first)!)
        expect(second.json).toHaveLength(200)
        const third = yield* json(sandbox, nextPath(sandbox, second)!)
        expect(third.json).toHaveLength(50)
        expect(nextPath(sandbox, third)).toBeUndefined()
        const names = new Set([...first.json, ...second.json, ...third.json].map((g: any) => g.profile.name))
        expect(names.size).toBe(450)
      }))

    it.scoped("clamps limit to 200 and honours smaller limits", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const userId = idOf("paula.groups@example.com")
        expect((yield* json(sandbox, `/api/v1/users/${userId}/groups?limit=1000`)).json).toHaveLength(200)
        const small = yield* json(sandbox, `/api/v1/users/${userId}/groups?limit=3`)
        expect(small.json).toHaveLength(3)
        expect(nextPath(sandbox, small)).toContain("limit=3")
      }))

    it.scoped("lists jsmith's groups, factors and roles", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const groups = yield* json(sandbox, `/api/v1/users/${jsmithId}/groups`)
        expect(groups.json.map((g: any) => g.profile.name)).toEqual(["Engineering", "VPN Users", "AWS Admins"])
        expect(groups.links).toHaveLength(1)
        const factors = yield* json(sandbox, `/api/v1/users/${jsmithId}/factors`)
        expect(factors.json.map((f: any) => [f.factorType, f.status])).toEqual(
          [["push", "ACTIVE"], ["token:software:totp", "ACTIVE"]]
        )
        expect((yield* json(sandbox, `/api/v1/users/${jsmithId}/roles`)).json).toEqual([])
        const bob = yield* json(sandbox, `/api/v1/users/${idOf("bob.helpdesk@example.com")}/roles`)
        expect(bob.json.map((r: any) => [r.type, r.assignmentType])).toEqual([["HELP_DESK_ADMIN", "GROUP"]])
      }))
  })

  describe("GET /api/v1/logs", () => {
    it.scoped("filters by actor within since/until and pages bounded queries", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const query = `filter=${encodeURIComponent(`actor.id eq "${jsmithId}"`)}&since=2025-01-01T00:00:00Z` +
          `&until=2025-02-01T00:00:00Z`
        const all = yield* json(sandbox, `/api/v1/logs?${query}`)
        expect(all.json.map((e: any) => e.eventType)).toEqual(
          ["user.session.start", "user.authentication.auth_via_mfa", "user.session.start"]
        )
        expect(nextPath(sandbox, all)).toBeUndefined()
        const first = yield* json(sandbox, `/api/v1/logs?${query}&limit=2`)
        expect(first.json).toHaveLength(2)
        const rest = yield* json(sandbox, nextPath(sandbox, first)!)
        expect(rest.json).toHaveLength(1)
        expect(rest.json[0].published).toBe("2025-01-15T08:30:00.000Z")
        expect(nextPath(sandbox, rest)).toBeUndefined()
      }))

    it.scoped("always links a next page for polling queries and rejects invalid timestamps", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.parse("2025-01-16T00:00:00Z"))
        const sandbox = yield* Sandbox.make()
        const polling = yield* json(sandbox, "/api/v1/logs?since=2025-01-15T09:00:00Z")
        expect(polling.json.length).toBeGreaterThan(0)
        expect(nextPath(sandbox, polling)).toBeDefined()
        const bad = yield* json(sandbox, "/api/v1/logs?since=yesterday")
        expect(bad.status).toBe(400)
        expect(bad.json.errorSummary).toContain("since")
      }))
  })
})
