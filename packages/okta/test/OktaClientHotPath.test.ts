/**
 * The client's hot path, pinned by counts rather than times: how many fibers one lookup forks, and how often the
 * credentials are applied. Each figure was measured before and after the change that lowered it (BENCHMARKS.md, "The
 * Okta client's hot path"); a change that brings a per-request fork or per-attempt authentication back fails here.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as OktaAuth from "@enrich/okta/OktaAuth"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Effect, Redacted } from "effect"
import { groups, json, oktaError, type Reply, type Seen, user, withClientOver } from "./support/fakeOkta.js"
import { ForkCounter } from "./support/forkCounter.js"

const secret = "00SeCrEtToKeN-a1b2c3d4e5f6g7h8i9"
const baseOptions: OktaClient.Options = { domain: "acme.okta.com", token: Redacted.make(secret) }
const jsmith = user("00u1abcdefghijklmnop", "jsmith@example.com")

/** A JSON body with its Content-Length, as Okta sends an uncompressed one (read in one go, not as a stream). */
const sized = (body: unknown): Response => {
  const text = JSON.stringify(body)
  return new Response(text, {
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) }
  })
}

/** A fake Okta that answers a lookup's four requests at once (no socket). */
const answers = (seen: Seen): Reply => {
  const path = new URL(seen.url).pathname
  if (path.endsWith("/groups")) return sized(groups(0, 3))
  if (path.endsWith("/factors")) return sized([{ id: "ufs1", factorType: "push", status: "ACTIVE" }])
  if (path.endsWith("/roles")) return sized([])
  return sized(jsmith)
}

/** Builds a client over a scripted fake Okta and runs `use` with it. */
const withClient = withClientOver(baseOptions)

/** A lookup by login, its requests one after another (as the provider makes them, without its own forks). */
const lookupByLogin = (client: OktaClient.Service) =>
  Effect.gen(function*() {
    const found = yield* client.getUser("jsmith@example.com")
    yield* client.listUserGroups(found.id)
    yield* client.listFactors(found.id)
    yield* client.listRoles(found.id)
  })

describe("OktaClient hot path", () => {
  // Live clock: the production path (under TestClock the timeout is Effect.timeoutFail, driven by the clock).
  it.live("a lookup by login (4 requests) forks one fiber per request: the attempt, raced by a timer that is no fiber", () =>
    withClient(answers, (client, seen) =>
      Effect.gen(function*() {
        yield* lookupByLogin(client) // warm: nothing lazily built is counted
        const counter = new ForkCounter()
        yield* Effect.supervised(lookupByLogin(client), counter)
        expect(seen).toHaveLength(8)
        // Was 8: Effect.timeoutFail forked the attempt and a sleeping timer for each request.
        expect(counter.count).toBe(4)
      })))

  it.live("on the live clock, a request that hangs still times out naming the duration, and is retried", () =>
    withClient((_, i) => i === 0 ? "hang" : json(jsmith), (client, seen) =>
      Effect.gen(function*() {
        expect((yield* client.getUser("jsmith")).id).toBe(jsmith.id)
        expect(seen).toHaveLength(2)
        expect(seen[1].headers["x-okta-retry-count"]).toBe("1")
        const error = yield* Effect.flip(
          withClient(() => "hang", (other) => other.getUser("jsmith"), {
            timeout: "5 millis",
            maxRetries: 1,
            retryBackoff: "1 millis"
          })
        )
        expect(error).toMatchObject({ _tag: "OktaTransient", reason: "timeout after 5ms", attempts: 2 })
      }), { timeout: "5 millis", retryBackoff: "1 millis" }))

  it.live("static credentials (SSWS) are applied once per call: retries reuse that request, nothing per attempt", () => {
    let authorized = 0
    let authenticated = 0
    const auth: OktaAuth.Service = {
      scheme: "SSWS",
      authenticate: (request) =>
        Effect.sync(() => {
          authenticated++
          return request
        }),
      authorize: (request) => {
        authorized++
        return HttpClientRequest.setHeader(request, "authorization", `SSWS ${secret}`)
      }
    }
    return withClient(
      (_, i) => i === 0 ? oktaError(503, "E0000009", "Service unavailable") : json(jsmith),
      (client, seen) =>
        Effect.gen(function*() {
          expect((yield* client.getUser("jsmith")).id).toBe(jsmith.id)
          expect(seen.map((s) => s.headers.authorization)).toEqual([`SSWS ${secret}`, `SSWS ${secret}`])
          expect({ authorized, authenticated }).toEqual({ authorized: 1, authenticated: 0 })
        }),
      { retryBackoff: "1 millis" }
    ).pipe(Effect.provideService(OktaAuth.OktaAuth, auth))
  })
})
