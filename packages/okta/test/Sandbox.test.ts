import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Random, Redacted, TestClock } from "effect"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { json, nextPath, request, waitUntil } from "./fixtures/SandboxHttp.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string) => org.usersByLogin.get(login.toLowerCase())!.json.id
const jsmithId = idOf("jsmith@example.com")
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
