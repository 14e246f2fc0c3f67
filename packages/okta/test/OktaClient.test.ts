import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import * as SearchExpression from "@enrich/okta/testing/SearchExpression"
import {
  ConfigProvider,
  Context,
  Deferred,
  Effect,
  Either,
  Fiber,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Redacted,
  TestClock,
  Tracer
} from "effect"
import * as Net from "node:net"
import { fakeOkta, groups, json, oktaError, type Reply, type Seen, user, withClientOver } from "./support/fakeOkta.js"
import { runWithTime } from "./support/time.js"

const secret = "00SeCrEtToKeN-a1b2c3d4e5f6g7h8i9"
const baseOptions: OktaClient.Options = { domain: "acme.okta.com", token: Redacted.make(secret) }
const jsmith = user("00u1abcdefghijklmnop", "jsmith@example.com")

/** Builds a client over a scripted fake Okta and runs `use` with it. */
const withClient = withClientOver(baseOptions)

/** A fixed instant the tests that speak in rate-limit headers set the TestClock to: nothing reads the wall clock. */
const start = Date.parse("2026-06-01T10:00:00.000Z")

const rateLimitHeaders = (limit: number, remaining: number, reset: number, date?: number) => ({
  "x-rate-limit-limit": String(limit),
  "x-rate-limit-remaining": String(remaining),
  "x-rate-limit-reset": String(reset),
  ...(date === undefined ? {} : { date: new Date(date).toUTCString() })
})

describe("OktaClient requests", () => {
  it.effect("sends Accept, User-Agent and SSWS authorization to the org's origin", () =>
    withClient(() => json(jsmith), (client, seen) =>
      Effect.gen(function*() {
        const found = yield* client.getUser("jsmith@example.com")
        expect(found.profile.login).toBe("jsmith@example.com")
        expect(seen).toHaveLength(1)
        expect(seen[0].method).toBe("GET")
        expect(seen[0].url).toBe("https://acme.okta.com/api/v1/users/jsmith%40example.com")
        // Exactly these: no b3 or traceparent (our trace ids are none of Okta's business), nothing unexpected.
        expect(seen[0].headers).toStrictEqual({
          accept: "application/json",
          "user-agent": "enrich/0.1.0",
          authorization: `SSWS ${secret}`
        })
      })))

  it.effect("encodes every path segment: no indicator can change the requested path", () =>
    withClient(
      () => oktaError(404, "E0000007", "Not found: Resource not found"),
      (client, seen) =>
        Effect.gen(function*() {
          yield* Effect.either(client.getUser("../groups?limit=1#x"))
          yield* Effect.either(client.getUser("a/b%2Fc\\d"))
          yield* Effect.either(client.getUser("evil\r\nX-Injected: 1"))
          yield* Effect.either(client.listUserGroups("..%2F..%2Fapps"))
          yield* Effect.either(client.listFactors("00u1/../../roles"))
          expect(seen.map((s) => s.url)).toEqual([
            "https://acme.okta.com/api/v1/users/..%2Fgroups%3Flimit%3D1%23x",
            "https://acme.okta.com/api/v1/users/a%2Fb%252Fc%5Cd",
            "https://acme.okta.com/api/v1/users/evil%0D%0AX-Injected%3A%201",
            "https://acme.okta.com/api/v1/users/..%252F..%252Fapps/groups",
            "https://acme.okta.com/api/v1/users/00u1%2F..%2F..%2Froles/factors"
          ])
        })
    ))

  it.effect("refuses dot and empty segments without sending anything", () =>
    withClient(() => json(jsmith), (client, seen) =>
      Effect.gen(function*() {
        for (const value of ["", ".", "..", "\uD800"]) {
          const error = yield* Effect.flip(client.getUser(value))
          expect(error._tag).toBe("OktaNotFound")
        }
        const groupsError = yield* Effect.flip(client.listUserGroups(".."))
        expect(groupsError._tag).toBe("OktaNotFound")
        expect(seen).toEqual([])
      })))

  it.effect("escapes the email search: an indicator can never add a clause", () =>
    withClient(() => json([]), (client, seen) =>
      Effect.gen(function*() {
        const hostile = `x@example.com" or profile.login sw "\\`
        yield* client.findUsersByEmail(hostile)
        const url = new URL(seen[0].url)
        expect(url.pathname).toBe("/api/v1/users")
        const search = url.searchParams.get("search")!
        expect(search).toBe(`profile.email eq "x@example.com\\" or profile.login sw \\"\\\\"`)
        expect(seen[0].url).toContain("search=profile.email+eq+%22x%40example.com%5C%22+or+profile.login")
        // Okta's grammar reads it as exactly one comparison, whose value is the whole indicator.
        const parsed = SearchExpression.parse(search)
        expect(parsed).toEqual(Either.right({
          _tag: "Compare",
          attribute: "profile.email",
          operator: "eq",
          value: hostile
        }))
      })))

  it.effect("answers roles and factors decoded, unknown types kept as strings", () =>
    withClient(
      (seen) =>
        seen.url.endsWith("/roles")
          ? json([{ id: "ra1", type: "BRAND_NEW_ADMIN", status: "ACTIVE", assignmentType: "GROUP", label: "New" }])
          : json([{ id: "f1", factorType: "quantum:entangled", provider: "OKTA", status: "ACTIVE" }]),
      (client, seen) =>
        Effect.gen(function*() {
          const roles = yield* client.listRoles("00u1abcdefghijklmnop")
          const factors = yield* client.listFactors("00u1abcdefghijklmnop")
          expect(roles.map((r) => [r.type, r.assignmentType])).toEqual([["BRAND_NEW_ADMIN", "GROUP"]])
          expect(factors.map((f) => f.factorType)).toEqual(["quantum:entangled"])
          expect(seen.map((s) => new URL(s.url).pathname)).toEqual([
            "/api/v1/users/00u1abcdefghijklmnop/roles",
            "/api/v1/users/00u1abcdefghijklmnop/factors"
          ])
        })
    ))
})

describe("OktaClient pagination", () => {
  const page = (after: string | undefined) =>
    `https://acme.okta.com/api/v1/users/00u1/groups?limit=200${after === undefined ? "" : `&after=${after}`}`

  it.effect("a user in 450 groups across 3 pages yields 450 groups (Link headers on separate lines)", () =>
    withClient(
      (_, i) =>
        json(groups(i * 200, Math.min(450, (i + 1) * 200)), {
          headers: {
            link: i < 2
              ? [`<${page(i === 0 ? undefined : `c${i}`)}>; rel="self"`, `<${page(`c${i + 1}`)}>; rel="next"`]
              : [`<${page("c2")}>; rel="self"`]
          }
        }),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.listUserGroups("00u1")
          expect(listing.complete).toBe(true)
          expect(listing.items).toHaveLength(450)
          expect(new Set(listing.items.map((g) => g.profile.name)).size).toBe(450)
          expect(seen.map((s) => s.url)).toEqual([
            "https://acme.okta.com/api/v1/users/00u1/groups",
            page("c1"),
            page("c2")
          ])
          // The token goes to the org, and only there, on every page.
          expect(seen.every((s) => s.headers.authorization === `SSWS ${secret}`)).toBe(true)
        })
    ))

  it.effect("follows next in a comma-joined Link header", () =>
    withClient(
      (_, i) =>
        json(groups(i, i + 1), {
          headers: i === 0 ? { link: `<${page(undefined)}>; rel="self", <${page("c1")}>; rel="next"` } : {}
        }),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.listUserGroups("00u1")
          expect(listing).toMatchObject({ complete: true })
          expect(listing.items).toHaveLength(2)
          expect(seen).toHaveLength(2)
        })
    ))

  it.effect("never follows a next link to another origin: the listing is incomplete", () =>
    withClient(
      () =>
        json(groups(0, 2), {
          headers: { link: `<https://evil.example.com/api/v1/users/00u1/groups?after=x>; rel="next"` }
        }),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.listUserGroups("00u1")
          expect(listing.complete).toBe(false)
          expect(listing.incompleteReason).toContain("https://evil.example.com")
          expect(listing.items).toHaveLength(2)
          expect(seen).toHaveLength(1)
        })
    ))

  it.effect("also refuses http:// or another port on the same host", () =>
    withClient(
      () =>
        json(groups(0, 1), {
          headers: { link: `<http://acme.okta.com/api/v1/users/00u1/groups?after=x>; rel="next"` }
        }),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.listUserGroups("00u1")
          expect(listing.complete).toBe(false)
          expect(seen).toHaveLength(1)
        })
    ))

  it.effect("stops on a repeated cursor (a known Okta bug) instead of looping", () =>
    withClient(
      (_, i) => json(groups(i, i + 1), { headers: { link: `<${page("same")}>; rel="next"` } }),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.listUserGroups("00u1")
          expect(listing.complete).toBe(false)
          expect(listing.incompleteReason).toContain("repeated the page cursor")
          expect(listing.items).toHaveLength(2)
          expect(seen).toHaveLength(2)
        })
    ))

  it.effect("stops at the page bound and says so", () =>
    withClient(
      (_, i) => json(groups(i, i + 1), { headers: { link: `<${page(`c${i + 1}`)}>; rel="next"` } }),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.listUserGroups("00u1")
          expect(listing).toMatchObject({ complete: false })
          expect(listing.incompleteReason).toContain("3 pages")
          expect(listing.items).toHaveLength(3)
          expect(seen).toHaveLength(3)
        }),
      { maxPages: 3 }
    ))

  it.effect("pages through an email search, keeping its parameters", () =>
    withClient(
      (seen, i) =>
        i === 0
          ? json([user("00u1", "a@example.com")], {
            headers: {
              link: `<https://acme.okta.com/api/v1/users?after=00u1&limit=200&search=${
                new URL(seen.url).searchParams.get("search")
              }>; rel="next"`
            }
          })
          : json([user("00u2", "a.b@example.com")]),
      (client, seen) =>
        Effect.gen(function*() {
          const listing = yield* client.findUsersByEmail("a@example.com")
          expect(listing.items.map((u) => u.id)).toEqual(["00u1", "00u2"])
          expect(new URL(seen[1].url).searchParams.get("after")).toBe("00u1")
        })
    ))
})

describe("OktaClient errors", () => {
  it.effect("404 is OktaNotFound with Okta's errorCode, errorSummary and request id; not retried", () =>
    withClient(
      () => oktaError(404, "E0000007", "Not found: Resource not found: nobody (User)"),
      (client, seen) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("nobody"))
          expect(error._tag).toBe("OktaNotFound")
          expect(error).toMatchObject({
            errorCode: "E0000007",
            errorSummary: "Not found: Resource not found: nobody (User)",
            requestId: "req-404",
            operation: "GET /api/v1/users/nobody"
          })
          expect(error.message).toContain("X-Okta-Request-Id req-404")
          expect(seen).toHaveLength(1)
        })
    ))

  it.effect("401 says OKTA_API_TOKEN is invalid or expired", () =>
    withClient(() => oktaError(401, "E0000011", "Invalid token provided"), (client, seen) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag).toBe("OktaUnauthorized")
        expect(error.message).toContain("OKTA_API_TOKEN is invalid or expired")
        expect(error.message).toContain("E0000011")
        expect(seen).toHaveLength(1)
      })))

  it.effect("403 names the missing scope from WWW-Authenticate", () =>
    withClient(
      () =>
        oktaError(403, "E0000006", "You do not have permission to perform the requested action", {
          "www-authenticate":
            `Bearer authorization_uri="http://acme.okta.com/oauth2/v1/authorize", realm="IdpService", scope="okta.roles.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/users/00u1/roles"`
        }),
      (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.listRoles("00u1"))
          expect(error._tag).toBe("OktaForbidden")
          expect(error).toMatchObject({ missingScope: "okta.roles.read", errorCode: "E0000006" })
          expect(error.message).toContain("lacks the scope okta.roles.read")
        })
    ))

  it.effect("403 without WWW-Authenticate points at the admin's permissions", () =>
    withClient(() => oktaError(403, "E0000006", "You do not have permission"), (client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.listRoles("00u1"))
        expect(error._tag).toBe("OktaForbidden")
        expect(error).toMatchObject({ missingScope: undefined })
        expect(error.message).toContain("read-only admin")
      })))

  it.effect("400 (invalid search) is OktaBadRequest and never retried", () =>
    withClient(() => oktaError(400, "E0000031", "Invalid search criteria."), (client, seen) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.findUsersByEmail("a@example.com"))
        expect(error._tag).toBe("OktaBadRequest")
        expect(error).toMatchObject({ status: 400, errorCode: "E0000031" })
        expect(seen).toHaveLength(1)
      })))

  it.effect("a body that does not decode is OktaInvalidResponse naming the field", () =>
    withClient(
      (seen) =>
        seen.url.endsWith("/groups") ? json([{ id: "00g1", profile: {} }]) : json({ status: "ACTIVE", profile: {} }),
      (client) =>
        Effect.gen(function*() {
          const userError = yield* Effect.flip(client.getUser("jsmith"))
          expect(userError._tag).toBe("OktaInvalidResponse")
          expect(userError.message).toMatch(/\bid\b.*is missing/)
          const groupsError = yield* Effect.flip(client.listUserGroups("00u1"))
          expect(groupsError._tag).toBe("OktaInvalidResponse")
          expect(groupsError.message).toContain("[0].profile.name")
        })
    ))

  /** A streamed body: the given chunks, or endless chunks from a function; records how far it was read. */
  const streamed = (chunks: ReadonlyArray<Uint8Array> | ((index: number) => Uint8Array)) => {
    const state = { pulled: 0, cancelled: false }
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = typeof chunks === "function" ? chunks(state.pulled) : chunks[state.pulled]
        state.pulled++
        if (chunk === undefined) controller.close()
        else controller.enqueue(chunk)
      },
      cancel() {
        state.cancelled = true
      }
    })
    return { state, response: new Response(body, { status: 200 }) }
  }

  it.effect("a body larger than maxResponseBytes is OktaInvalidResponse, read no further than the limit", () => {
    const endless = streamed(() => new Uint8Array(400).fill(0x20))
    return withClient(() => endless.response, (client, seen) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag).toBe("OktaInvalidResponse")
        expect(error.message).toContain("response body larger than 1000 bytes (maxResponseBytes)")
        expect(endless.state.pulled).toBeLessThanOrEqual(4) // 3 chunks pass the limit; never the endless rest
        expect(endless.state.cancelled).toBe(true)
        expect(seen).toHaveLength(1) // not retried: the same server would send the same body
      }), { maxResponseBytes: 1000 })
  })

  it.effect("a Content-Length above maxResponseBytes fails before the body is read", () =>
    withClient(
      () => json(jsmith, { headers: { "content-length": "5000" } }),
      (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error._tag).toBe("OktaInvalidResponse")
          expect(error.message).toContain(
            "response body larger than 1000 bytes (maxResponseBytes): Content-Length 5000"
          )
        }),
      { maxResponseBytes: 1000 }
    ))

  it.effect("a body within the limit is read whole, multi-byte characters split across chunks included", () => {
    const bytes = new TextEncoder().encode(JSON.stringify(user("00u1abcdefghijklmnop", "zoë@example.com")))
    const at = bytes.indexOf(0xc3) + 1 // inside the two bytes of ë
    const split = streamed([bytes.slice(0, at), bytes.slice(at)])
    return withClient(() => split.response, (client) =>
      Effect.gen(function*() {
        const found = yield* client.getUser("zoe")
        expect(found.profile.login).toBe("zoë@example.com")
      }), { maxResponseBytes: bytes.length })
  })

  it.effect("maxResponseBytes must be a positive integer", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(withClient(() => json(jsmith), () => Effect.void, { maxResponseBytes: 0 }))
      expect(error).toMatchObject({ _tag: "OktaConfigError", variable: "maxResponseBytes" })
    }))

  it.effect("a body that is not JSON is OktaInvalidResponse", () =>
    withClient(() => new Response("<html>maintenance</html>", { status: 200 }), (client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag).toBe("OktaInvalidResponse")
        expect(error.message).toContain("not JSON")
      })))
})

describe("OktaClient retries", () => {
  it.effect("retries 500/502/503/504 with capped jittered backoff, then succeeds", () =>
    withClient(
      (_, i) => [500, 502, 503][i] ? oktaError([500, 502, 503][i], "E0000009", "Internal error") : json(jsmith),
      (client, seen) =>
        Effect.gen(function*() {
          const found = yield* runWithTime(client.getUser("jsmith"))
          expect(found.id).toBe(jsmith.id)
          expect(seen).toHaveLength(4)
          expect(seen.map((s) => s.headers["x-okta-retry-count"])).toEqual([undefined, "1", "2", "3"])
          expect((yield* client.stats!).retries).toBe(3)
        })
    ))

  it.effect("gives up after maxRetries (default 3): 4 attempts, then OktaTransient", () =>
    withClient(() => oktaError(503, "E0000009", "Service unavailable"), (client, seen) =>
      Effect.gen(function*() {
        const error = yield* runWithTime(Effect.flip(client.getUser("jsmith")))
        expect(error._tag).toBe("OktaTransient")
        expect(error).toMatchObject({ reason: "HTTP 503", attempts: 4 })
        expect(seen).toHaveLength(4)
      })))

  it.effect("the backoff doubles from 500 ms, jittered within [step/2, step]", () =>
    withClient(
      (_, i) => i < 3 ? oktaError(503, "E0000009", "Service unavailable") : json(jsmith),
      (client, seen) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(client.getUser("jsmith"))
          yield* TestClock.adjust("249 millis")
          expect(seen).toHaveLength(1)
          yield* TestClock.adjust("251 millis") // 500 ms: first retry done
          expect(seen).toHaveLength(2)
          yield* TestClock.adjust("1000 millis") // second within [500, 1000] ms
          expect(seen).toHaveLength(3)
          yield* TestClock.adjust("2000 millis") // third within [1000, 2000] ms
          expect(seen).toHaveLength(4)
          yield* Fiber.join(fiber)
        })
    ))

  it.effect("does not retry other 4xx", () =>
    Effect.gen(function*() {
      for (const status of [400, 401, 403, 404, 405, 409]) {
        yield* withClient(() => oktaError(status, "E0000001", "no"), (client, seen) =>
          Effect.gen(function*() {
            yield* Effect.flip(client.getUser("jsmith"))
            expect(seen).toHaveLength(1)
          }))
      }
    }))

  it.effect("retries network errors and timeouts, then reports them as OktaTransient", () =>
    withClient((_, i) => i === 0 ? "network-error" : "hang", (client, seen) =>
      Effect.gen(function*() {
        const error = yield* runWithTime(Effect.flip(client.getUser("jsmith")))
        expect(error._tag).toBe("OktaTransient")
        expect(error).toMatchObject({ reason: "timeout after 10s", attempts: 4 })
        expect(seen).toHaveLength(4)
      })))

  /** A failure as undici's fetch reports it: `TypeError("fetch failed")` whose cause carries the code. */
  const fetchFailed = (code: string, message: string) => ({
    transportCause: new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code }) })
  })

  it.effect("a connect error names the host, the code from the cause chain and what to check", () =>
    withClient(
      () => fetchFailed("ENOTFOUND", "getaddrinfo ENOTFOUND acme.okta.com"),
      (client, seen) =>
        Effect.gen(function*() {
          const error = yield* runWithTime(Effect.flip(client.getUser("jsmith")))
          expect(error._tag).toBe("OktaTransient")
          expect(error.message).toBe(
            "Okta request GET /api/v1/users/jsmith failed after 4 attempts: cannot connect to acme.okta.com: ENOTFOUND " +
              "(check OKTA_DOMAIN and the network path to it)"
          )
          expect(seen).toHaveLength(4)
        })
    ))

  it.effect("a refused certificate says so and never echoes the token", () =>
    withClient(
      () => fetchFailed("SELF_SIGNED_CERT_IN_CHAIN", `self-signed certificate in chain (${secret})`),
      (client) =>
        Effect.gen(function*() {
          const error = yield* runWithTime(Effect.flip(client.getUser("jsmith")))
          expect(error.message).toContain(
            "TLS certificate of acme.okta.com not accepted: SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in chain"
          )
          expect(error.message).toContain("NODE_EXTRA_CA_CERTS")
          expect(error.message).not.toContain(secret)
          expect(error.message).toContain("<redacted>")
        })
    ))

  it.effect("other transport errors name the host and the innermost cause", () =>
    withClient(() => fetchFailed("ECONNRESET", "socket hang up"), (client) =>
      Effect.gen(function*() {
        const error = yield* runWithTime(Effect.flip(client.getUser("jsmith")))
        expect(error._tag === "OktaTransient" && error.reason).toBe(
          "network error talking to acme.okta.com: ECONNRESET: socket hang up"
        )
      }), { maxRetries: 0 }))

  it.effect("the cause chain is walked with a bound: a cyclic cause cannot hang the client", () => {
    const cyclic: { message: string; cause?: unknown } = { message: "loop" }
    cyclic.cause = cyclic
    return withClient(() => ({ transportCause: cyclic }), (client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag === "OktaTransient" && error.reason).toBe("network error talking to acme.okta.com: loop")
      }), { maxRetries: 0 })
  })

  /** A loopback port nothing listens on: bound, then released. */
  const closedPort = Effect.async<number>((resume) => {
    const server = Net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resume(Effect.succeed(port)))
    })
  })

  const transports: ReadonlyArray<[string, Layer.Layer<HttpClient.HttpClient>]> = [
    ["fetch", FetchHttpClient.layer],
    ["undici", NodeHttpClient.layerUndici]
  ]
  for (const [name, transport] of transports) {
    // Real sockets on loopback, so the live clock: the request fails in milliseconds, no retry waits (maxRetries 0).
    it.live(`a closed loopback port over ${name} is "cannot connect to 127.0.0.1:<port>: ECONNREFUSED"`, () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const client = yield* OktaClient.make({ ...baseOptions, domain: `http://127.0.0.1:${port}`, maxRetries: 0 })
        const error = yield* Effect.flip(client.getUser("jsmith"))
        expect(error._tag).toBe("OktaTransient")
        expect(error.message).toBe(
          `Okta request GET /api/v1/users/jsmith failed after 1 attempts: cannot connect to 127.0.0.1:${port}: ` +
            "ECONNREFUSED (check OKTA_DOMAIN and the network path to it)"
        )
      }).pipe(Effect.scoped, Effect.provide(transport)))
  }

  it.effect("times out a request after the configured timeout", () =>
    withClient((_, i) => i === 0 ? "hang" : json(jsmith), (client, seen) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(client.getUser("jsmith"))
        yield* TestClock.adjust("1999 millis")
        expect(seen).toHaveLength(1)
        yield* TestClock.adjust("1 millis")
        yield* TestClock.adjust("500 millis") // the first backoff
        expect(seen).toHaveLength(2)
        expect((yield* Fiber.join(fiber)).id).toBe(jsmith.id)
      }), { timeout: "2 seconds" }))

  it.effect("after a 429 waits until the reset measured from the response's Date (Okta's clock), with retry headers", () =>
    Effect.gen(function*() {
      const ours = Date.parse("2026-06-01T10:00:00.000Z")
      const oktaNow = Date.parse("2026-06-01T12:00:00.000Z") // Okta's clock is two hours ahead of ours
      yield* TestClock.setTime(ours)
      yield* withClient(
        (_, i) =>
          i === 0
            ? oktaError(429, "E0000047", "API call exceeded rate limit due to too many requests.", {
              ...rateLimitHeaders(2000, 0, oktaNow / 1000 + 30, oktaNow),
              "x-okta-request-id": "req-limited-1"
            })
            : json(jsmith, { headers: rateLimitHeaders(2000, 1999, oktaNow / 1000 + 90, oktaNow + 31_000) }),
        (client, seen) =>
          Effect.gen(function*() {
            const fiber = yield* Effect.fork(client.getUser("jsmith"))
            yield* TestClock.adjust("30999 millis") // reset (30 s) + Okta's advised 1 s margin, not yet reached
            expect(seen).toHaveLength(1)
            yield* TestClock.adjust("1001 millis") // + at most 1 s of jitter
            expect(seen).toHaveLength(2)
            expect((yield* Fiber.join(fiber)).id).toBe(jsmith.id)
            expect(seen[0].headers["x-okta-retry-for"]).toBeUndefined()
            expect(seen[1].headers).toMatchObject({ "x-okta-retry-for": "req-limited-1", "x-okta-retry-count": "1" })
            const stats = yield* client.stats!
            expect(stats).toMatchObject({ requests: 2, rateLimited: 1, retries: 1, waits: 1 })
            expect(stats.waitedMillis).toBeGreaterThanOrEqual(31_000)
          })
      )
    }))

  it.effect("the deadline bounds the whole listing, every page included, not each page", () =>
    Effect.gen(function*() {
      const page = (n: number) => `https://acme.okta.com/api/v1/users/00u1/groups?after=c${n}`
      // Pages 1 and 2 each time out once (4 s) before answering; page 3 never answers.
      const hung = new Set<string>()
      const error = yield* withClient(
        (seen) => {
          const n = seen.url.endsWith("c2") ? 3 : seen.url.endsWith("c1") ? 2 : 1
          if (n === 3 || !hung.has(seen.url)) {
            hung.add(seen.url)
            return "hang"
          }
          return json(groups(n, n + 1), n < 3 ? { headers: { link: `<${page(n)}>; rel="next"` } } : {})
        },
        (client, seen) =>
          Effect.gen(function*() {
            const error = yield* runWithTime(Effect.flip(client.listUserGroups("00u1")))
            // 0-4000 page 1 times out, 4001 answered; 4001-8001 page 2 times out, 8002 answered; 8002-12002 page 3
            // times out, and a retry at 12003 would end past the operation's 10 s deadline: give up now. A per-page
            // deadline would have retried page 3 until 18002.
            expect(yield* TestClock.currentTimeMillis).toBe(12_002)
            expect(seen.map((s) => s.url.replace(/.*\/groups\??/, ""))).toEqual([
              "",
              "",
              "after=c1",
              "after=c1",
              "after=c2"
            ])
            return error
          }),
        {
          timeout: "4 seconds",
          operationDeadline: "10 seconds",
          maxRetries: 10,
          retryBackoff: "1 millis",
          retryBackoffCap: "1 millis"
        }
      )
      expect(error._tag).toBe("OktaTransient")
      expect(error.message).toContain("failed after 1 attempts: timeout after 4s")
    }))

  it.effect("a 429 whose reset is beyond the operation deadline fails at once with OktaRateLimited", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      yield* withClient(
        () =>
          oktaError(429, "E0000047", "API call exceeded rate limit due to too many requests.", {
            ...rateLimitHeaders(600, 0, start / 1000 + 50, start)
          }),
        (client, seen) =>
          Effect.gen(function*() {
            const error = yield* Effect.flip(client.findUsersByEmail("a@example.com"))
            expect(error._tag).toBe("OktaRateLimited")
            expect(error).toMatchObject({ bucket: "GET /api/v1/users", errorCode: "E0000047" })
            expect(error.message).toContain("GET /api/v1/users")
            expect(seen).toHaveLength(1)
          }),
        { operationDeadline: "30 seconds" }
      )
    }))

  it.effect("a concurrency 429 (X-Rate-Limit-Limit: 0) is retried after a short backoff, not the reset", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      yield* withClient(
        (_, i) =>
          i === 0
            ? oktaError(429, "E0000047", "API call exceeded rate limit due to concurrent requests", {
              ...rateLimitHeaders(0, 0, start / 1000 + 60)
            })
            : json(jsmith),
        (client, seen) =>
          Effect.gen(function*() {
            const fiber = yield* Effect.fork(client.getUser("jsmith"))
            yield* TestClock.adjust("124 millis")
            expect(seen).toHaveLength(1)
            yield* TestClock.adjust("126 millis") // within 250 ms, not 60 s
            expect(seen).toHaveLength(2)
            yield* Fiber.join(fiber)
            expect((yield* client.stats!).concurrencyLimited).toBe(1)
          })
      )
    }))

  it.effect("persistent concurrency 429s end as OktaRateLimited on the concurrency bucket", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      yield* withClient(
        () => oktaError(429, "E0000047", "concurrent", rateLimitHeaders(0, 0, start / 1000 + 60)),
        (client, seen) =>
          Effect.gen(function*() {
            const error = yield* runWithTime(Effect.flip(client.getUser("jsmith")))
            expect(error).toMatchObject({ _tag: "OktaRateLimited", bucket: "concurrency" })
            expect(seen).toHaveLength(4)
            expect(seen.slice(1).map((s) => s.headers["x-okta-retry-count"])).toEqual(["1", "2", "3"])
          })
      )
    }))

  it.effect("paces a low bucket: no 429 when the headers warned in time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-01T10:00:00.000Z"))
      let used = 0
      let windowStart = 0
      const refused: Array<number> = []
      yield* withClient(
        () =>
          Effect.gen(function*() {
            const now = yield* TestClock.currentTimeMillis
            if (used === 0 || now >= windowStart + 60_000) {
              windowStart = now
              used = 0
            }
            used++
            const headers = rateLimitHeaders(20, Math.max(0, 20 - used), (windowStart + 60_000) / 1000, now)
            if (used > 20) {
              refused.push(now)
              return oktaError(429, "E0000047", "limited", headers)
            }
            return json(jsmith, { headers })
          }),
        (client) =>
          Effect.gen(function*() {
            yield* runWithTime(
              Effect.forEach(Array.from({ length: 50 }), () => client.getUser("jsmith"), { concurrency: 8 })
            )
            expect(refused).toEqual([])
            const stats = yield* client.stats!
            expect(stats).toMatchObject({ requests: 50, rateLimited: 0 })
          }),
        // 50 lookups through 20 a minute, 8 at a time: the last ones queue for about two minutes, which the
        // default 90-second deadline (which bounds pacing waits too) would refuse.
        { operationDeadline: "3 minutes" }
      )
    }))

  it.effect("caps requests in flight at maxConcurrency (default 8)", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let inFlight = 0
      let peak = 0
      yield* withClient(
        () =>
          Effect.gen(function*() {
            inFlight++
            peak = Math.max(peak, inFlight)
            yield* Deferred.await(gate)
            inFlight--
            return json(jsmith)
          }),
        (client) =>
          Effect.gen(function*() {
            const all = yield* Effect.fork(
              Effect.forEach(Array.from({ length: 20 }), () => client.getUser("jsmith"), { concurrency: "unbounded" })
            )
            for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
            expect(peak).toBe(8)
            yield* Deferred.succeed(gate, undefined)
            expect(yield* Fiber.join(all)).toHaveLength(20)
            expect(peak).toBe(8)
          })
      )
    }))
})

describe("OktaClient layers and the RateLimiter service", () => {
  it.effect("two clients over one RateLimiter.layer share its counters and in-flight cap", () =>
    Effect.gen(function*() {
      const okta = fakeOkta(() => json(jsmith))
      const other = Layer.effect(OtherClient, OktaClient.OktaClient)
      const both = Layer.merge(
        OktaClient.layerWithoutRateLimiter(baseOptions),
        other.pipe(Layer.provide(OktaClient.layerWithoutRateLimiter({ ...baseOptions, domain: "beta.okta.com" })))
      ).pipe(Layer.provide(RateLimiter.layer({ maxConcurrency: 3 })), Layer.provide(okta.layer))
      yield* Effect.gen(function*() {
        const first = yield* OktaClient.OktaClient
        const second = yield* OtherClient
        yield* first.getUser("jsmith")
        yield* second.getUser("jsmith")
        expect(yield* first.stats!).toMatchObject({ requests: 2, concurrencyCap: 3 })
        expect(yield* second.stats!).toMatchObject({ requests: 2 })
      }).pipe(Effect.provide(both))
      expect(okta.seen.map((s) => new URL(s.url).host)).toEqual(["acme.okta.com", "beta.okta.com"])
    }))

  it.effect("OktaClient.layer builds its own rate limiter: clients do not share one unless told to", () =>
    Effect.gen(function*() {
      const okta = fakeOkta(() => json(jsmith))
      const first = yield* Layer.build(OktaClient.layer(baseOptions).pipe(Layer.provide(okta.layer)))
      const second = yield* Layer.build(OktaClient.layer(baseOptions).pipe(Layer.provide(okta.layer)))
      const a = Context.get(first, OktaClient.OktaClient)
      const b = Context.get(second, OktaClient.OktaClient)
      yield* a.getUser("jsmith")
      expect(yield* a.stats!).toMatchObject({ requests: 1 })
      expect(yield* b.stats!).toMatchObject({ requests: 0 })
    }).pipe(Effect.scoped))
})

class OtherClient extends Context.Tag("test/OtherClient")<OtherClient, OktaClient.Service>() {}

describe("OktaClient secrecy", () => {
  it.effect("the token appears in no error message and no log line", () => {
    const lines: Array<string> = []
    const capture = Logger.make(({ annotations, message }) => {
      lines.push(JSON.stringify({ message, annotations: HashMap.toEntries(annotations) }))
    })
    return Effect.gen(function*() {
      const errors: Array<string> = []
      const scripts: Array<(seen: Seen, i: number) => Reply> = [
        () => oktaError(401, "E0000011", `Invalid token provided: SSWS ${secret}`),
        (_, i) =>
          i === 0 ? oktaError(429, "E0000047", "limited", rateLimitHeaders(0, 0, 0)) : oktaError(404, "E0000007", "nf"),
        () => json({ id: secret, status: 5, profile: { login: secret } }),
        () => "network-error",
        () => oktaError(503, "E0000009", `upstream said ${secret}`)
      ]
      for (const script of scripts) {
        yield* withClient(script, (client) =>
          runWithTime(Effect.flip(client.getUser("jsmith"))).pipe(
            Effect.tap((error) => errors.push(error.message, JSON.stringify(error), String(error)))
          ))
      }
      expect(errors.length).toBe(15)
      for (const text of [...errors, ...lines]) expect(text).not.toContain(secret)
      expect(lines.some((line) => line.includes("retried"))).toBe(true)
    }).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
  })
})

describe("OktaClient tracing", () => {
  it.effect("spans name the operation and carry no token, not even in HTTP header attributes", () => {
    const spans: Array<{ name: string; attributes: Map<string, unknown> }> = []
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind) => {
        const attributes = new Map<string, unknown>()
        spans.push({ name, attributes })
        return {
          _tag: "Span",
          name,
          spanId: String(spans.length),
          traceId: "t",
          parent,
          context,
          status: { _tag: "Started", startTime },
          attributes,
          links,
          sampled: true,
          kind,
          end: () => {},
          attribute: (key, value) => attributes.set(key, value),
          event: () => {},
          addLinks: () => {}
        }
      },
      context: (f) => f()
    })
    return withClient(
      (_, i) => i === 0 ? oktaError(503, "E0000009", "unavailable") : json(jsmith),
      (client) => runWithTime(client.getUser("jsmith"))
    ).pipe(
      Effect.withTracer(tracer),
      Effect.tap(() => {
        expect(spans.map((s) => s.name)).toContain("OktaClient.getUser")
        const http = spans.filter((s) => s.attributes.has("http.request.header.authorization"))
        expect(http.length).toBe(2)
        for (const span of spans) {
          for (const value of span.attributes.values()) expect(String(value)).not.toContain(secret)
        }
      })
    )
  })
})

describe("OktaClient configuration", () => {
  it.effect("layerConfig reads OKTA_DOMAIN and OKTA_API_TOKEN", () =>
    Effect.gen(function*() {
      const okta = fakeOkta(() => json(jsmith))
      const client = yield* OktaClient.OktaClient.pipe(
        Effect.provide(
          OktaClient.layerConfig().pipe(
            Layer.provide(okta.layer),
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
              new Map([["OKTA_DOMAIN", "https://acme.oktapreview.com"], ["OKTA_API_TOKEN", secret]])
            )))
          )
        )
      )
      yield* client.getUser("jsmith")
      expect(okta.seen[0].url).toBe("https://acme.oktapreview.com/api/v1/users/jsmith")
      expect(okta.seen[0].headers.authorization).toBe(`SSWS ${secret}`)
    }))

  it.effect("a missing token or bad domain fails building the layer with an error naming the variable", () =>
    Effect.gen(function*() {
      const build = (map: Map<string, string>) =>
        Effect.flip(Layer.build(
          OktaClient.layerConfig().pipe(
            Layer.provide(fakeOkta(() => json(jsmith)).layer),
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(map)))
          )
        )).pipe(Effect.scoped)
      const noToken = yield* build(new Map([["OKTA_DOMAIN", "acme.okta.com"]]))
      expect(noToken).toMatchObject({ _tag: "OktaConfigError", variable: "OKTA_API_TOKEN" })
      expect(noToken.message).toContain("OKTA_API_TOKEN")
      const admin = yield* build(new Map([["OKTA_DOMAIN", "acme-admin.okta.com"], ["OKTA_API_TOKEN", secret]]))
      expect(admin).toMatchObject({ _tag: "OktaConfigError", variable: "OKTA_DOMAIN" })
      expect(admin.message).toContain("acme.okta.com")
      expect(admin.message).not.toContain(secret)
    }))
})
