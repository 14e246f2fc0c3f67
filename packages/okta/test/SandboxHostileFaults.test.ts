/**
 * The sandbox's hostile faults really send what they promise: absurd headers, deep and oversized bodies, gzip bombs,
 * slow drips, echoed credentials, resets mid-body, cross-origin redirects and Link headers. Each test reads the raw
 * bytes off the wire.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Schema, TestClock } from "effect"
import * as Zlib from "node:zlib"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { json, nextPath, request, waitUntil } from "./fixtures/SandboxHttp.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string) => org.usersByLogin.get(login.toLowerCase())!.json.id
const jsmithId = idOf("jsmith@example.com")
const jsmith = Option.getOrThrow(SandboxOrg.getUser(org, jsmithId))
const sleepsPending = (n: number) => Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(sleeps) >= n)
const onUser = (...script: ReadonlyArray<Sandbox.Fault>) =>
  Sandbox.make({ faults: { "GET /api/v1/users/{id}": { script } } })
const headerLines = (rawHeaders: ReadonlyArray<readonly [string, string]>, name: string) =>
  rawHeaders.filter(([n]) => n.toLowerCase() === name).map(([, value]) => value)

describe("Sandbox hostile faults", () => {
  describe("headers", () => {
    it.scoped("overrides rate-limit headers with absurd values on a 200, once per name whatever its case", () =>
      Effect.gen(function*() {
        const sandbox = yield* onUser(
          Sandbox.headers({ "x-rate-limit-reset": "1e308", "X-Rate-Limit-Remaining": "0" }),
          Sandbox.headers({ "X-Rate-Limit-Reset": "NaN", "X-Rate-Limit-Limit": "-1" }),
          Sandbox.headers({ "X-Rate-Limit-Reset": String(Math.ceil(Date.parse("2027-01-01T00:00:00Z") / 1000)) })
        )
        const huge = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(huge.status).toBe(200)
        expect(huge.json.id).toBe(jsmithId)
        expect(headerLines(huge.rawHeaders, "x-rate-limit-reset")).toEqual(["1e308"])
        expect(headerLines(huge.rawHeaders, "x-rate-limit-remaining")).toEqual(["0"])
        expect(huge.headers["x-rate-limit-limit"]).toBe("2000")
        const nan = yield* request(sandbox, "/api/v1/users/jsmith")
        expect([nan.headers["x-rate-limit-reset"], nan.headers["x-rate-limit-limit"]]).toEqual(["NaN", "-1"])
        const yearAhead = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(yearAhead.headers["x-rate-limit-reset"]).toBe("1798761600")
      }))

    it.scoped("sends a Date of 1970 or the far future, and a 429 with an unusable reset", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(Date.parse("2025-01-15T10:30:00Z"))
        const sandbox = yield* onUser(
          Sandbox.headers({ Date: "Thu, 01 Jan 1970 00:00:00 GMT" }),
          Sandbox.headers({ date: "Fri, 31 Dec 9999 23:59:59 GMT" }),
          Sandbox.headers({ "X-Rate-Limit-Reset": "1e308" }, { status: 429 })
        )
        const past = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(headerLines(past.rawHeaders, "date")).toEqual(["Thu, 01 Jan 1970 00:00:00 GMT"])
        const future = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(headerLines(future.rawHeaders, "date")).toEqual(["Fri, 31 Dec 9999 23:59:59 GMT"])
        const limited = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(limited.status).toBe(429)
        expect(limited.json.errorCode).toBe("E0000047")
        expect(limited.headers["x-rate-limit-reset"]).toBe("1e308")
        expect(limited.headers["date"]).toBe("Wed, 15 Jan 2025 10:30:00 GMT")
        expect((yield* sandbox.counters).byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": 2, "429": 1 })
      }))
  })

  describe("bodies", () => {
    it.scoped("sends 200,000 nested arrays by default", () =>
      Effect.gen(function*() {
        const sandbox = yield* onUser(Sandbox.deeplyNested(), Sandbox.deeplyNested(3))
        const deep = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(deep.status).toBe(200)
        expect(deep.body).toBe("[".repeat(200_000) + "]".repeat(200_000))
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).body).toBe("[[[]]]")
      }))

    it.scoped("streams an oversized body without Content-Length that is still the normal answer", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: {
            "GET /api/v1/users/{id}": { script: [Sandbox.oversized(5 * 1024 * 1024)] },
            "GET /api/v1/users/{id}/factors": { script: [Sandbox.oversized(1024 * 1024)] }
          }
        })
        const user = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(user.bodyBytes.length).toBe(5 * 1024 * 1024)
        expect(user.headers["content-length"]).toBeUndefined()
        expect(user.headers["transfer-encoding"]).toBe("chunked")
        const { sandboxPadding, ...rest } = user.json
        expect(sandboxPadding.length).toBeGreaterThan(5 * 1024 * 1024 - 10_000)
        expect(rest).toEqual(jsmith)
        const factors = yield* json(sandbox, `/api/v1/users/${jsmithId}/factors`)
        expect(factors.bodyBytes.length).toBe(1024 * 1024)
        expect(factors.json).toEqual(Option.getOrThrow(SandboxOrg.listFactors(org, jsmithId)))
      }))

    it.scoped("sends a gzip bomb: a small body that inflates to the requested size, then the answer", () =>
      Effect.gen(function*() {
        const inflatedBytes = 64 * 1024 * 1024 + 123
        const sandbox = yield* onUser(Sandbox.gzipBomb(inflatedBytes))
        const bomb = yield* request(sandbox, "/api/v1/users/jsmith")
        expect(bomb.status).toBe(200)
        expect(bomb.headers["content-encoding"]).toBe("gzip")
        expect(bomb.bodyBytes.length).toBeLessThan(200 * 1024)
        // Inflate as a stream, counting, keeping only the tail.
        const { size, tail } = yield* Effect.promise(() =>
          new Promise<{ size: number; tail: string }>((resolve, reject) => {
            let size = 0
            let tail = ""
            const gunzip = Zlib.createGunzip()
            gunzip.on("data", (chunk: Buffer) => {
              size += chunk.length
              tail = (tail + chunk.toString("utf8")).slice(-100_000)
            })
            gunzip.on("end", () => resolve({ size, tail }))
            gunzip.on("error", reject)
            gunzip.end(bomb.bodyBytes)
          })
        )
        const answer = JSON.stringify(jsmith)
        expect(size).toBe(inflatedBytes + Buffer.byteLength(answer))
        expect(JSON.parse(tail)).toEqual(jsmith)
      }))

    it.scoped("drips the body a chunk per interval on the Clock, after sending the head at once", () =>
      Effect.gen(function*() {
        const sandbox = yield* onUser(Sandbox.slowDrip({ every: "1 second", chunkBytes: 512 }))
        const length = Buffer.byteLength(JSON.stringify(jsmith))
        const chunks = Math.ceil(length / 512)
        let head = false
        let received = 0
        const fiber = yield* Effect.fork(json(sandbox, "/api/v1/users/jsmith", {
          onHead: () => head = true,
          onChunk: (chunk) => received += chunk.length
        }))
        for (let i = 0; i < chunks; i++) {
          yield* waitUntil(sleepsPending(1), `chunk ${i + 1} is due`)
          if (i === 0) yield* waitUntil(Effect.sync(() => head), "the head arrives")
          expect(received).toBe(i * 512)
          yield* TestClock.adjust("1 second")
        }
        const response = yield* Fiber.join(fiber)
        expect(received).toBe(length)
        expect(response.headers["content-length"]).toBe(String(length))
        expect(response.json).toEqual(jsmith)
      }))

    it.scoped("echoes the Authorization header in a header and the body, on answers, lists and errors", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: {
            "GET /api/v1/users/{id}": {
              script: [Sandbox.echoAuthorization(), Sandbox.echoAuthorization({ status: 400 })]
            },
            "GET /api/v1/users/{id}/factors": { script: [Sandbox.echoAuthorization()] }
          }
        })
        const authorization = `SSWS ${Sandbox.defaultToken}`
        const ok = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(ok.status).toBe(200)
        expect(ok.headers["x-echo-authorization"]).toBe(authorization)
        expect(ok.json).toEqual({ ...jsmith, authorization })
        const error = yield* json(sandbox, "/api/v1/users/jsmith")
        expect(error.status).toBe(400)
        expect(error.json.errorSummary).toContain(authorization)
        expect(error.json.errorCauses).toEqual([{ errorSummary: authorization }])
        const factors = yield* json(sandbox, `/api/v1/users/${jsmithId}/factors`)
        expect(factors.json.length).toBeGreaterThan(0)
        for (const factor of factors.json) expect(factor.authorization).toBe(authorization)
      }))
  })

  describe("connections and origins", () => {
    it.scoped("resets the connection after half the body", () =>
      Effect.gen(function*() {
        const sandbox = yield* onUser(Sandbox.resetMidBody)
        let received = 0
        let status = 0
        const error = yield* Effect.flip(request(sandbox, "/api/v1/users/jsmith", {
          onHead: (s) => status = s,
          onChunk: (chunk) => received += chunk.length
        }))
        expect(error.message).toMatch(/aborted|ECONNRESET|socket hang up/)
        expect(status).toBe(200)
        expect(received).toBe(Math.floor(Buffer.byteLength(JSON.stringify(jsmith)) / 2))
        expect((yield* sandbox.counters).byRoute["GET /api/v1/users/{id}"]).toEqual({ reset: 1 })
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).status).toBe(200)
      }))

    it.scoped("redirects to the same path and query on another origin", () =>
      Effect.gen(function*() {
        const other = yield* Sandbox.make()
        const sandbox = yield* Sandbox.make({
          faults: {
            "GET /api/v1/users": { script: [Sandbox.redirect(other.url), Sandbox.redirect(other.url, { status: 307 })] }
          }
        })
        const found = yield* request(sandbox, "/api/v1/users?search=profile.login%20eq%20%22x%22")
        expect(found.status).toBe(302)
        expect(found.headers["location"]).toBe(`${other.url}/api/v1/users?search=profile.login%20eq%20%22x%22`)
        expect(found.body).toBe("")
        expect((yield* request(sandbox, "/api/v1/users")).status).toBe(307)
        expect((yield* other.counters).requests).toBe(0)
      }))

    it.scoped("points every Link URL at another origin", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          faults: { "GET /api/v1/users/{id}/groups": { script: [Sandbox.foreignLinks("https://evil.example")] } }
        })
        const userId = idOf("paula.groups@example.com")
        const page = yield* json(sandbox, `/api/v1/users/${userId}/groups`)
        expect(page.json).toHaveLength(200)
        expect(page.links).toEqual([
          `<https://evil.example/api/v1/users/${userId}/groups>; rel="self"`,
          `<https://evil.example/api/v1/users/${userId}/groups?after=${page.json[199].id}&limit=200>; rel="next"`
        ])
        const normal = yield* json(sandbox, `/api/v1/users/${userId}/groups`)
        expect(nextPath(sandbox, normal)).toContain("after=")
      }))
  })

  describe("as data", () => {
    const all: ReadonlyArray<Sandbox.Fault> = [
      Sandbox.headers({ "X-Rate-Limit-Reset": "1e308" }, { status: 429 }),
      Sandbox.deeplyNested(10),
      Sandbox.oversized(1000),
      Sandbox.gzipBomb(2048),
      Sandbox.slowDrip({ every: "250 millis", chunkBytes: 4 }),
      Sandbox.echoAuthorization({ status: 401 }),
      Sandbox.resetMidBody,
      Sandbox.redirect("http://127.0.0.2:8080", { status: 308 }),
      Sandbox.foreignLinks("https://evil.example")
    ]

    it("every constructor's fault survives the JSON round trip of the admin API", () => {
      for (const fault of all) {
        const encoded = JSON.parse(JSON.stringify(Schema.encodeSync(Sandbox.Fault)(fault)))
        expect(Schema.decodeUnknownSync(Sandbox.Fault)(encoded)).toEqual(fault)
      }
    })

    it("refuses a redirect or Link origin that is not http(s)://host[:port]", () => {
      for (const origin of ["evil.example", "https://evil.example/path", "javascript:alert(1)"]) {
        expect(() => Schema.decodeUnknownSync(Sandbox.Fault)({ _tag: "Redirect", origin })).toThrow(/not an origin/)
      }
    })

    it("refuses header names and values a server cannot send (they would split the response)", () => {
      for (const headers of [{ "X-A": "1\r\nX-B: 2" }, { "Bad Name": "1" }, { "": "1" }]) {
        expect(() => Schema.decodeUnknownSync(Sandbox.Fault)({ _tag: "Headers", headers }), JSON.stringify(headers))
          .toThrow()
      }
    })

    it.scoped("POST /__sandbox/faults accepts the hostile kinds, with defaults for optional fields", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make()
        const set = yield* request(sandbox, "/__sandbox/faults", {
          method: "POST",
          body: JSON.stringify({
            route: "GET /api/v1/users/{id}",
            faults: {
              script: [
                { _tag: "Headers", headers: { "X-Rate-Limit-Reset": "-5" } },
                { _tag: "DeepNesting", depth: 2 },
                { _tag: "EchoAuthorization" },
                { _tag: "Redirect", origin: "https://evil.example" },
                { _tag: "SlowDrip", chunkBytes: 100_000, interval: 0 }
              ]
            }
          })
        })
        expect(set.status).toBe(204)
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).headers["x-rate-limit-reset"]).toBe("-5")
        expect((yield* request(sandbox, "/api/v1/users/jsmith")).body).toBe("[[]]")
        expect((yield* json(sandbox, "/api/v1/users/jsmith")).json.authorization).toBe(`SSWS ${Sandbox.defaultToken}`)
        const redirected = yield* request(sandbox, "/api/v1/users/jsmith")
        expect([redirected.status, redirected.headers["location"]]).toEqual([
          302,
          "https://evil.example/api/v1/users/jsmith"
        ])
        expect((yield* json(sandbox, "/api/v1/users/jsmith")).json).toEqual(jsmith)
      }))
  })
})
