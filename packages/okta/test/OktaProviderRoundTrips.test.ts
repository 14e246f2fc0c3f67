/**
 * Scenario 2 of the benchmarks, in TestClock time: every request takes 20 ms, so when each request starts says
 * whether anything sequential sits between the round trips (a step awaited before the parallel reads, a nested fork,
 * a timer). And the fibers the provider itself forks per lookup, counted with a Supervisor over an in-memory client.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import * as OktaClient from "@enrich/okta/OktaClient"
import { OktaNotFound } from "@enrich/okta/OktaError"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { OktaFactor, OktaGroup, OktaRoleAssignment, OktaUser } from "@enrich/okta/OktaResources"
import { Clock, Effect, Layer, Redacted, Schema } from "effect"
import { fakeOkta, groups, json, oktaError, user } from "./support/fakeOkta.js"
import { ForkCounter } from "./support/forkCounter.js"
import { runWithTime } from "./support/time.js"

const ID = "00u1aaaaaaaaaaaaaaaa"
const LOGIN = "jane.doe"
const EMAIL = "jane@example.com"
const latency = 20

/** Which request started when (TestClock millis), by what it asks for. */
const lookupTimeline = (value: string) =>
  Effect.gen(function*() {
    const starts: Array<readonly [string, number]> = []
    const okta = fakeOkta(({ url }) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const { pathname, searchParams } = new URL(url)
        const what = searchParams.has("search") ? "search" : decodeURIComponent(pathname.split("/").at(-1)!)
        starts.push([what === ID ? "user" : what === LOGIN || what === EMAIL ? "login" : what, now])
        const reply = what === "groups"
          ? json(groups(0, 3))
          : what === "factors" || what === "roles"
          ? json([])
          : what === "search"
          ? json([user(ID, EMAIL)])
          : what === EMAIL
          ? oktaError(404, "E0000007", "Not found: Resource not found: jane@example.com (User)")
          : json(user(ID, LOGIN))
        return Effect.as(Effect.sleep(latency), reply)
      })
    )
    const provider = yield* OktaProvider.make().pipe(
      Effect.provide(
        OktaClient.layer({ domain: "acme.okta.com", token: Redacted.make("00token-round-trips") }).pipe(
          Layer.provide(okta.layer)
        )
      )
    )
    const lookup = yield* runWithTime(Effect.flatMap(Indicator.account(value), provider.enrich))
    expect(lookup._tag).toBe("Found")
    const done = yield* Clock.currentTimeMillis
    return { starts: Object.fromEntries(starts), done }
  })

/** An in-memory client answering at once: the fibers counted are the provider's own. */
const instantClient: OktaClient.Service = {
  getUser: (idOrLogin) =>
    idOrLogin === ID || idOrLogin === LOGIN
      ? Effect.succeed(Schema.decodeUnknownSync(OktaUser)(user(ID, LOGIN)))
      : Effect.fail(new OktaNotFound({ operation: "GET /api/v1/users/{id}" })),
  findUsersByEmail: () =>
    Effect.succeed({ items: [Schema.decodeUnknownSync(OktaUser)(user(ID, EMAIL))], complete: true }),
  listUserGroups: () =>
    Effect.succeed({ items: Schema.decodeUnknownSync(Schema.Array(OktaGroup))(groups(0, 3)), complete: true }),
  listFactors: () => Effect.succeed(Schema.decodeUnknownSync(Schema.Array(OktaFactor))([])),
  listRoles: () => Effect.succeed(Schema.decodeUnknownSync(Schema.Array(OktaRoleAssignment))([]))
}

const forksOf = (value: string) =>
  Effect.gen(function*() {
    const provider = yield* OktaProvider.make().pipe(Effect.provideService(OktaClient.OktaClient, instantClient))
    const indicator = yield* Indicator.account(value)
    const counter = new ForkCounter()
    const lookup = yield* provider.enrich(indicator).pipe(Effect.supervised(counter))
    expect(lookup._tag).toBe("Found")
    return counter.count
  })

describe("OktaProvider round trips (20 ms per request, TestClock)", () => {
  it.effect("by id: the user, groups, factors and roles all start at once; one round trip", () =>
    Effect.gen(function*() {
      const { done, starts } = yield* lookupTimeline(ID)
      expect(starts).toStrictEqual({ user: 0, groups: 0, factors: 0, roles: 0 })
      expect(done).toBe(latency)
    }))

  it.effect("by login: groups, factors and roles start as soon as the user is in; two round trips", () =>
    Effect.gen(function*() {
      const { done, starts } = yield* lookupTimeline(LOGIN)
      expect(starts).toStrictEqual({ login: 0, groups: latency, factors: latency, roles: latency })
      expect(done).toBe(2 * latency)
    }))

  it.effect("by email that is no login: the search right after the 404, then the rest; three round trips", () =>
    Effect.gen(function*() {
      const { done, starts } = yield* lookupTimeline(EMAIL)
      expect(starts).toStrictEqual({
        login: 0,
        search: latency,
        groups: 2 * latency,
        factors: 2 * latency,
        roles: 2 * latency
      })
      expect(done).toBe(3 * latency)
    }))

  // `Effect.all` with unbounded concurrency forks a fiber per effect and one that runs them: 4 requests, 5 fibers.
  it.effect("by id, one Effect.all of the 4 requests: 5 fibers, no nested fork (which made 7)", () =>
    Effect.gen(function*() {
      expect(yield* forksOf(ID)).toBe(5)
    }))

  it.effect("by login, one Effect.all of the 3 related requests: 4 fibers", () =>
    Effect.gen(function*() {
      expect(yield* forksOf(LOGIN)).toBe(4)
    }))
})
