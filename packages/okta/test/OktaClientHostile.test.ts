import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Effect, Exit, HashMap, type Layer, Logger, Redacted, TestClock } from "effect"
import * as Http from "node:http"
import type * as Net from "node:net"
import { fakeOkta, json, oktaError, type Reply, type Seen, user } from "./support/fakeOkta.js"
import { runWithTime } from "./support/time.js"

/**
 * A hostile or broken server: absurd rate-limit headers, clocks of 1970 and of next year, bodies nested beyond reason,
 * redirects to another origin. Each case ends in a typed error or a bounded wait, never in a crash or a hang.
 */

const secret = "00SeCrEtToKeN-hostile-0123456789"
const baseOptions: OktaClient.Options = { domain: "acme.okta.com", token: Redacted.make(secret) }
const jsmith = user("00u1abcdefghijklmnop", "jsmith@example.com")
const start = Date.parse("2026-06-01T10:00:00.000Z")

const withClient = <A, E>(
  script: (seen: Seen, index: number) => Reply | Effect.Effect<Reply>,
  use: (client: OktaClient.Service, seen: ReadonlyArray<Seen>) => Effect.Effect<A, E>,
  options: Partial<OktaClient.Options> = {}
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const okta = fakeOkta(script)
    const client = yield* OktaClient.make({ ...baseOptions, ...options }).pipe(Effect.provide(okta.layer))
    return yield* use(client, okta.seen)
  }).pipe(Effect.scoped)

const limits = (limit: string, remaining: string, reset: string, date?: string) => ({
  "x-rate-limit-limit": limit,
  "x-rate-limit-remaining": remaining,
  "x-rate-limit-reset": reset,
  ...(date === undefined ? {} : { date })
})

/** Runs `effect` on the test clock and says how much (test) time it took. */
const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const before = yield* TestClock.currentTimeMillis
    const exit = yield* runWithTime(Effect.exit(effect))
    return { exit, millis: (yield* TestClock.currentTimeMillis) - before }
  })

describe("OktaClient against hostile rate-limit headers", () => {
  const yearAhead = String(Math.floor(start / 1000) + 365 * 24 * 3600)
  const resetIn60 = String(Math.floor(start / 1000) + 60)
  const cases: ReadonlyArray<[string, Record<string, string>]> = [
    ["a reset a year ahead", limits("20", "0", yearAhead)],
    ["a Date of 1970", limits("20", "0", resetIn60, new Date(0).toUTCString())]
  ]
  for (const [name, headers] of cases) {
    it.effect(`${name} on a 200 with nothing remaining: the next request waits at most a window, not a year`, () =>
      withClient((_, i) => json(jsmith, { headers: i === 0 ? headers : {} }), (client, seen) =>
        Effect.gen(function*() {
          yield* client.getUser("jsmith")
          const { exit, millis } = yield* timed(client.getUser("jsmith"))
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(seen).toHaveLength(2)
          // Okta's window is 60 s; clamped to 60 s + 5 s of skew, + 1 s margin, + up to 1 s of jitter.
          expect(millis).toBeLessThanOrEqual(67_000)
          expect(millis).toBeGreaterThanOrEqual(60_000)
        })))
  }

  it.effect("a wait past the operation's deadline fails at once, saying why, and sends nothing", () =>
    withClient(() => json(jsmith, { headers: limits("20", "0", resetIn60) }), (client, seen) =>
      Effect.gen(function*() {
        yield* client.getUser("jsmith")
        const { exit, millis } = yield* timed(client.getUser("jsmith"))
        expect(millis).toBe(0)
        expect(seen).toHaveLength(1)
        const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error?._tag).toBe("OktaRateLimited")
        expect(error?.message).toMatch(
          /^Okta rate limit reached for GET \/api\/v1\/users\/\{id\}; resets at 2026-06-01T10:01:0\d\.\d{3}Z: waiting \d+s for it would pass the operation's deadline of 30s$/
        )
      }), { operationDeadline: "30 seconds" }))

  it.effect("a wait longer than 10 seconds is logged as a warning", () => {
    const warnings: Array<string> = []
    const capture = Logger.make(({ annotations, logLevel, message }) => {
      if (logLevel._tag === "Warning") {
        warnings.push(JSON.stringify({ message, annotations: HashMap.toEntries(annotations) }))
      }
    })
    return withClient(
      () => json(jsmith, { headers: limits("20", "0", resetIn60) }),
      (client) =>
        Effect.gen(function*() {
          yield* client.getUser("jsmith")
          yield* runWithTime(client.getUser("jsmith"))
          expect(warnings).toHaveLength(1)
          expect(warnings[0]).toContain("Okta rate limit: holding requests back")
          expect(warnings[0]).toContain("GET /api/v1/users/{id}")
        })
    ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
  })

  for (const reset of ["1e308", "NaN", "-5", "99999999999999", "soon"]) {
    it.effect(`X-Rate-Limit-Reset: ${reset} on a 429 is treated as absent: a typed error, no "Invalid date"`, () =>
      withClient(
        () => oktaError(429, "E0000047", "limited", limits("20", "0", reset)),
        (client) =>
          Effect.gen(function*() {
            const exit = yield* runWithTime(Effect.exit(client.getUser("jsmith")))
            expect(Exit.isFailure(exit) && exit.cause._tag === "Fail").toBe(true)
            const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
            expect(error).toMatchObject({ _tag: "OktaRateLimited", resetAt: undefined })
            expect(error?.message).not.toContain("Invalid")
          }),
        { maxRetries: 0 }
      ))
  }

  for (
    const [name, headers] of [
      ["Limit 1e308", limits("1e308", "1e308", "1e308")],
      ["Remaining -1", limits("20", "-1", String(Math.floor(start / 1000) + 60))],
      [
        "Date in the year 275760",
        limits("20", "0", String(Math.floor(start / 1000) + 60), "Sat, 13 Sep 275760 00:00:00 GMT")
      ]
    ] as const
  ) {
    it.effect(`${name} on a 200 does not stall or crash the next request`, () =>
      withClient(() => json(jsmith, { headers }), (client, seen) =>
        Effect.gen(function*() {
          yield* client.getUser("jsmith")
          const { exit, millis } = yield* timed(client.getUser("jsmith"))
          expect(Exit.isSuccess(exit)).toBe(true)
          expect(millis).toBeLessThanOrEqual(67_000)
          expect(seen).toHaveLength(2)
        })))
  }

  it.effect("the reset time in an error is printed as ISO 8601", () =>
    withClient(
      () => oktaError(429, "E0000047", "limited", limits("20", "0", String(start / 1000 + 60))),
      (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error.message).toContain("resets at 2026-06-01T10:01:01.000Z")
          expect(error.message).not.toContain("DateTime")
        }),
      { maxRetries: 0 }
    ))
})

describe("OktaClient against hostile bodies", () => {
  const nested = "[".repeat(200_000) + "]".repeat(200_000)
  const deepResponse = () => new Response(nested, { status: 200, headers: { "content-type": "application/json" } })

  it.effect("200,000 nested arrays as a user are an OktaInvalidResponse, not a stack overflow", () =>
    withClient(deepResponse, (client) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(client.getUser("jsmith"))
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail").toBe(true)
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag).toBe("OktaInvalidResponse")
        expect(error.message).toContain("nests deeper than 64 levels")
      })))

  it.effect("200,000 nested arrays as a group listing are an OktaInvalidResponse too", () =>
    withClient(deepResponse, (client) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(client.listUserGroups("00u1abcdefghijklmnop"))
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail").toBe(true)
      })))

  it.effect("a wrong type deep in a listing names the field, in a message of bounded length", () =>
    withClient(
      () => json([{ id: "00g1", profile: { name: "x".repeat(100_000) } }, { id: 5 }]),
      (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.listUserGroups("00u1abcdefghijklmnop"))
          expect(error._tag).toBe("OktaInvalidResponse")
          expect(error.message).toContain("[1].id")
          expect(error.message.length).toBeLessThan(1000)
        })
    ))
})

describe("OktaClient never follows a redirect", () => {
  const transports: ReadonlyArray<[string, Layer.Layer<HttpClient.HttpClient>]> = [
    ["fetch", FetchHttpClient.layer],
    ["undici", NodeHttpClient.layerUndici]
  ]
  for (const [name, transport] of transports) {
    it.live(`over ${name}: a 302 to another origin is an OktaInvalidResponse naming that origin, not followed`, () =>
      Effect.gen(function*() {
        const servers: Array<Http.Server> = []
        const listen = (handler: Http.RequestListener) =>
          Effect.async<{ origin: string; seen: Array<string> }>((resume) => {
            const seen: Array<string> = []
            const s = Http.createServer((request, response) => {
              seen.push(request.url ?? "")
              handler(request, response)
            })
            servers.push(s)
            s.listen(0, "127.0.0.1", () => {
              const { port } = s.address() as Net.AddressInfo
              resume(Effect.succeed({ origin: `http://127.0.0.1:${port}`, seen }))
            })
          })
        yield* Effect.addFinalizer(() =>
          Effect.promise(() => Promise.all(servers.map((s) => new Promise((done) => s.close(done)))))
        )
        const elsewhere = yield* listen((_, response) => {
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jsmith))
        })
        const okta = yield* listen((_, response) => {
          response.writeHead(302, { location: `${elsewhere.origin}/steal?token=abc123` }).end()
        })
        const client = yield* OktaClient.make({ ...baseOptions, domain: okta.origin, maxRetries: 0 })
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag).toBe("OktaInvalidResponse")
        expect(error.message).toContain(`HTTP 302, a redirect to ${elsewhere.origin}; redirects are never followed`)
        expect(error.message).not.toContain("abc123")
        expect(elsewhere.seen).toEqual([])
        expect(okta.seen).toEqual(["/api/v1/users/jsmith"])
      }).pipe(Effect.scoped, Effect.provide(transport)))
  }
})
