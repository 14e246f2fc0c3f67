import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Random, Redacted, TestClock } from "effect"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { json, nextPath, request, waitUntil } from "./fixtures/SandboxHttp.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string) => org.usersByLogin.get(login.toLowerCase())!.json.id
const jsmithId = idOf("jsmith@example.com")
const search = (expression: string) => `/api/v1/users?search=${encodeURIComponent(expression)}`
const sleepsPending = (n: number) => Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(sleeps) >= n)

describe("Sandbox", () => {
  describe("authentication", () => {
    it.scoped("rejects a missing token with 401 E0000011", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const response = yield* json(sandbox, "/api/v1/users/jsmith", { authorization: null })
        expect(response.status).toBe(401)
        expect(response.json).toMatchObject({ errorCode: "E0000011", errorSummary: "Invalid token provided" })
        expect(Object.keys(response.json).sort()).toEqual(
          ["errorCauses", "errorCode", "errorId", "errorLink", "errorSummary"]
        )
        expect(response.headers["x-okta-request-id"]).toBeTruthy()
      }))

    it.scoped("rejects a wrong token and a Bearer token", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        for (const authorization of ["SSWS wrong", `Bearer ${Sandbox.defaultToken}`, Sandbox.defaultToken]) {
          const response = yield* json(sandbox, "/api/v1/users/jsmith", { authorization })
          expect(response.status).toBe(401)
          expect(response.json.errorCode).toBe("E0000011")
        }
      }))

    it.scoped("accepts its default token and a custom one", () =>
      Effect.gen(function*() {
        const standard = yield* Sandbox.make()
        expect(Redacted.value(standard.token)).toBe("sandbox-okta-api-token")
        expect((yield* request(standard, "/api/v1/users/jsmith")).status).toBe(200)
        const custom = yield* Sandbox.make({ token: Redacted.make("my-own-token") })
        expect((yield* request(custom, "/api/v1/users/jsmith", { authorization: "SSWS my-own-token" })).status)
          .toBe(200)
        expect(
          (yield* request(custom, "/api/v1/users/jsmith", { authorization: "SSWS sandbox-okta-api-token" })).status
        )
          .toBe(401)
        expect(String(custom.token)).not.toContain("my-own-token")
      }))
  })

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

  describe("headers and rate limits", () => {
    it.scoped("sends request id, Date from the Clock and rate-limit headers on every response", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.parse("2025-01-15T10:30:00Z"))
        const sandbox = yield* Sandbox.make()
        const ok = yield* request(sandbox, "/api/v1/users/jsmith")
        const notFound = yield* request(sandbox, "/api/v1/users/nobody")
        for (const response of [ok, notFound]) {
          expect(response.headers["date"]).toBe("Wed, 15 Jan 2025 10:30:00 GMT")
          expect(response.headers["x-rate-limit-limit"]).toBe("2000")
          expect(response.headers["x-rate-limit-reset"]).toBe(String(Date.parse("2025-01-15T10:31:00Z") / 1000))
        }
        expect(ok.headers["x-rate-limit-remaining"]).toBe("1999")
        expect(notFound.headers["x-rate-limit-remaining"]).toBe("1998")
        expect(ok.headers["x-okta-request-id"]).not.toBe(notFound.headers["x-okta-request-id"])
        expect((yield* request(sandbox, "/api/v1/logs")).headers["x-rate-limit-limit"]).toBe("120")
        expect((yield* request(sandbox, "/api/v1/users")).headers["x-rate-limit-limit"]).toBe("600")
      }))

    it.scoped("puts them on errors too: 401, 404, 405, 429, injected 5xx", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          rateLimits: { "GET /api/v1/users/{id}/roles": { limit: 0 } },
          faults: { "GET /api/v1/users/{id}/factors": { script: [Sandbox.status(503)] } }
        })
        const responses = [
          yield* request(sandbox, "/api/v1/users/jsmith", { authorization: null }),
          yield* request(sandbox, "/api/v1/users/nobody"),
          yield* request(sandbox, "/api/v1/users/jsmith", { method: "POST" }),
          yield* request(sandbox, `/api/v1/users/${jsmithId}/roles`),
          yield* request(sandbox, `/api/v1/users/${jsmithId}/factors`)
        ]
        expect(responses.map((r) => r.status)).toEqual([401, 404, 405, 429, 503])
        for (const response of responses) {
          expect(response.headers["content-type"]).toBe("application/json")
          expect(response.headers["x-okta-request-id"]).toMatch(/^\w{20}$/)
          expect(response.headers["date"]).toBe("Thu, 01 Jan 1970 00:00:00 GMT")
          expect(response.headers["x-rate-limit-limit"]).toMatch(/^\d+$/)
          expect(response.headers["x-rate-limit-remaining"]).toMatch(/^\d+$/)
          expect(response.headers["x-rate-limit-reset"]).toBe("60")
          expect(Object.keys(JSON.parse(response.body)).sort()).toEqual(
            ["errorCauses", "errorCode", "errorId", "errorLink", "errorSummary"]
          )
        }
      }))

    it.scoped("answers 429 E0000047 when a bucket is exhausted, until its window resets", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          rateLimits: { "GET /api/v1/users/{id}": { limit: 3, window: "10 seconds" } }
        })
        const remaining: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const response = yield* request(sandbox, "/api/v1/users/jsmith")
          expect(response.status).toBe(200)
          remaining.push(response.headers["x-rate-limit-remaining"])
        }
        expect(remaining).toEqual(["2", "1", "0"])
        const limited = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(limited.status).toBe(429)
        expect(limited.json.errorCode).toBe("E0000047")
        expect(limited.headers["x-rate-limit-limit"]).toBe("3")
        expect(limited.headers["x-rate-limit-remaining"]).toBe("0")
        expect(limited.headers["x-rate-limit-reset"]).toBe("10")
        // other buckets are unaffected
        expect((yield* request(sandbox, `/api/v1/users/${jsmithId}/factors`)).status).toBe(200)
        yield* TestClock.adjust("9 seconds")
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).status).toBe(429)
        yield* TestClock.adjust("1 second")
        const after = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(after.status).toBe(200)
        expect(after.headers["x-rate-limit-reset"]).toBe("20")
        const counters = yield* sandbox.counters
        expect(counters.rateLimited).toBe(2)
        expect(counters.byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": 4, "429": 2 })
      }))

    it.scoped("answers 429 with Limit 0 / Remaining 0 beyond the concurrency limit", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({ concurrencyLimit: 2, latency: "1 second" })
        const slow = yield* Effect.fork(
          Effect.all([request(sandbox, "/api/v1/users/jsmith"), request(sandbox, "/api/v1/users/jsmith")], {
            concurrency: "unbounded"
          })
        )
        yield* waitUntil(sleepsPending(2), "two requests are in flight")
        const rejected = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(rejected.status).toBe(429)
        expect(rejected.json.errorCode).toBe("E0000047")
        expect(rejected.headers["x-rate-limit-limit"]).toBe("0")
        expect(rejected.headers["x-rate-limit-remaining"]).toBe("0")
        yield* TestClock.adjust("1 second")
        const [a, b] = yield* Fiber.join(slow)
        expect([a.status, b.status]).toEqual([200, 200])
        const counters = yield* sandbox.counters
        expect(counters.concurrencyRejected).toBe(1)
        expect(counters.rateLimited).toBe(1)
        expect(counters.peakConcurrency).toBe(3)
        expect(counters.inFlight).toBe(0)
      }))
  })

  describe("faults", () => {
    it.scoped("plays a scripted sequence of 500 and 503 before answering normally", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: { "GET /api/v1/users/{id}": { script: [Sandbox.status(500), Sandbox.status(503), Sandbox.none] } }
        })
        const statuses: Array<number> = []
        for (let i = 0; i < 4; i++) statuses.push((yield* request(sandbox, "/api/v1/users/jsmith")).status)
        expect(statuses).toEqual([500, 503, 200, 200])
        const error = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(error.status).toBe(200)
        yield* sandbox.setFaults("GET /api/v1/users/{id}", { script: [Sandbox.status(500)] })
        const failed = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(failed.json).toMatchObject({ errorCode: "E0000009", errorSummary: "Internal Server Error" })
        // faults are per route
        expect((yield* request(sandbox, `/api/v1/users/${jsmithId}/groups`)).status).toBe(200)
      }))

    it.scoped("applies random faults with their probability", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: { "*": { random: [{ probability: 0.5, fault: Sandbox.status(503) }] } }
        }).pipe(Effect.withRandom(Random.make("sandbox-seed")))
        const statuses: Array<number> = []
        for (let i = 0; i < 100; i++) {
          statuses.push((yield* request(sandbox, `/api/v1/users/${jsmithId}/factors`)).status)
        }
        const failures = statuses.filter((s) => s === 503).length
        expect(failures).toBeGreaterThan(25)
        expect(failures).toBeLessThan(75)
        expect(statuses.filter((s) => s === 200).length).toBe(100 - failures)
        yield* sandbox.setFaults("*", { random: [{ probability: 1, fault: Sandbox.status(500) }] })
        expect((yield* request(sandbox, "/api/v1/logs")).status).toBe(500)
        yield* sandbox.setFaults("*", { random: [{ probability: 0, fault: Sandbox.status(500) }] })
        expect((yield* request(sandbox, "/api/v1/logs")).status).toBe(200)
      }))

    it.scoped("adds latency on the Clock", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: { "GET /api/v1/users/{id}": { script: [Sandbox.latency("2 seconds")] } }
        })
        const fiber = yield* Effect.fork(request(sandbox, "/api/v1/users/jsmith"))
        yield* waitUntil(sleepsPending(1), "the request waits")
        yield* TestClock.adjust("1 second")
        expect(Chunk.size(yield* TestClock.sleeps())).toBe(1)
        yield* TestClock.adjust("1 second")
        const response = yield* Fiber.join(fiber)
        expect(response.status).toBe(200)
        expect(response.headers["date"]).toBe("Thu, 01 Jan 1970 00:00:02 GMT")
      }))

    it.scoped("resets connections", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({ faults: { "GET /api/v1/users/{id}": { script: [Sandbox.reset] } } })
        const error = yield* Effect.flip(request(sandbox, "/api/v1/users/jsmith"))
        expect(error.message).toMatch(/socket hang up|ECONNRESET/)
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).status).toBe(200)
        const counters = yield* sandbox.counters
        expect(counters.connectionResets).toBe(1)
        expect(counters.byRoute["GET /api/v1/users/{id}"]).toEqual({ reset: 1, "200": 1 })
      }))

    it.scoped("sends malformed JSON", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: { "GET /api/v1/users/{id}": { script: [Sandbox.malformedJson] } }
        })
        const response = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(response.status).toBe(200)
        expect(response.headers["content-type"]).toBe("application/json")
        expect(() => JSON.parse(response.body)).toThrow()
        expect(response.body.startsWith("{\"id\":")).toBe(true)
      }))

    it.scoped("repeats the same next cursor forever", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: { "GET /api/v1/users/{id}/groups": { repeatNextCursor: true } }
        })
        const userId = idOf("paula.groups@example.com")
        const first = yield* json(sandbox, `/api/v1/users/${userId}/groups`)
        const cursor = nextPath(sandbox, first)!
        let path = cursor
        for (let i = 0; i < 5; i++) {
          const page = yield* json(sandbox, path)
          expect(page.json).toHaveLength(200)
          path = nextPath(sandbox, page)!
          expect(path).toBe(cursor)
        }
      }))

    it.scoped("exposes counters and faults through the admin endpoint", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        yield* request(sandbox, "/api/v1/users/jsmith")
        const set = yield* request(sandbox, "/__sandbox/faults", {
          method: "POST",
          authorization: null,
          body: JSON.stringify({
            route: "GET /api/v1/users/{id}",
            faults: { script: [{ _tag: "Status", status: 503 }, { _tag: "Latency", duration: 0 }] }
          })
        })
        expect(set.status).toBe(204)
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).status).toBe(503)
        const counters = yield* json(sandbox, "/__sandbox/counters", { authorization: null })
        expect(counters.json).toMatchObject({
          requests: 2,
          byRoute: { "GET /api/v1/users/{id}": { "200": 1, "503": 1 } },
          peakConcurrency: 1
        })
        const invalid = yield* json(sandbox, "/__sandbox/faults", {
          method: "POST",
          body: JSON.stringify({ route: "x", faults: { script: [{ _tag: "Explode" }] } })
        })
        expect(invalid.status).toBe(400)
        expect((yield* request(sandbox, "/__sandbox/faults", { method: "DELETE" })).status).toBe(204)
        expect((yield* request(sandbox, "/__sandbox/counters/reset", { method: "POST" })).status).toBe(204)
        expect((yield* sandbox.counters).requests).toBe(0)
      }))
  })

  it.effect("runs as a Layer", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.Sandbox
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((yield* json(sandbox, "/api/v1/users/jsmith")).json.profile.login).toBe("jsmith@example.com")
    }).pipe(Effect.provide(Sandbox.layer())))

  it.scoped("fails with SandboxError when the port is taken", () =>
    Effect.gen(function*() {
      const first = yield* Sandbox.make()
      const port = Number(new URL(first.url).port)
      const error = yield* Effect.flip(Sandbox.make({ port }))
      expect(error._tag).toBe("SandboxError")
      expect(error.message).toContain("EADDRINUSE")
    }))
})
