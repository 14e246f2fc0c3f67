/**
 * Recent activity end to end: the Enricher with the memory cache, the Okta provider with `activity`, the Okta client
 * over undici and the sandbox (with its System Log stories) over real loopback HTTP. Time is `TestClock`, moved only
 * while every request in flight is held by the server (see `support/sandboxTime.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import type { ProviderResult } from "@enrich/core/ProviderResult"
import * as CompromiseRules from "@enrich/okta/CompromiseRules"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { FakeOktaClient, Sandbox, SandboxActivity, SandboxOrg } from "@enrich/okta/testing"
import { Clock, ConfigProvider, Duration, Effect, Either, TestClock } from "effect"
import { enrich, type Stack, stack, timed } from "./support/sandboxStack.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string): string => org.usersByLogin.get(login.toLowerCase())!.json.id

const USER = "GET /api/v1/users/{id}"
const GROUPS = "GET /api/v1/users/{id}/groups"
const FACTORS = "GET /api/v1/users/{id}/factors"
const ROLES = "GET /api/v1/users/{id}/roles"
const LOGS = "GET /api/v1/logs"

const VICTOR = idOf("victor.sales@example.com")

const withActivity: OktaProvider.Options = {
  activity: { window: "7 days" },
  rules: CompromiseRules.ruleSet()
}

/** The 200s per route the sandbox answered during `effect`, the requests, and the Clock time it took. */
const counting = <A, E>(effect: Effect.Effect<A, E, Stack>) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.Sandbox
    yield* sandbox.resetCounters
    const start = yield* Clock.currentTimeMillis
    const value = yield* effect
    const elapsed = (yield* Clock.currentTimeMillis) - start
    const counters = yield* sandbox.counters
    const ok = Object.fromEntries(
      Object.entries(counters.byRoute).flatMap(([route, s]) => s["200"] ? [[route, s["200"]]] : [])
    )
    return { value, counters, ok, elapsed }
  })

const activityOf = (result: ProviderResult) => result.extracted?.recent_activity as Record<string, unknown>

describe("recent activity against the sandbox", () => {
  describe("each story's account gets the expected fields and the compromise pack's verdict", () => {
    for (const story of SandboxActivity.stories) {
      it.effect(`${story.login}: ${story.expectedVerdict}`, () =>
        Effect.gen(function*() {
          const { ok, value: okta } = yield* counting(enrich(story.login))
          expect(okta.status).toBe("success")
          expect(okta.warnings).toBeUndefined()
          expect(activityOf(okta)).toMatchObject(story.expected)
          expect(okta.verdict).toBe(story.expectedVerdict)
          expect(ok).toEqual({ [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1, [LOGS]: 1 })
        }).pipe(Effect.provide(stack({ provider: withActivity }))))
    }

    it.effect("a quiet account (henry.ford) gets zeros, a complete read and Benign", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("henry.ford@example.com")
        expect(activityOf(okta)).toMatchObject({
          events_examined: 0,
          complete: true,
          warnings: [],
          sign_ins: { success: 0, failure: 0, failure_reasons: {}, failure_peak_hour: 0 },
          last_sign_in: null,
          distinct_ips: 0,
          mfa_push_denied: 0,
          lockouts: 0,
          threats_detected: 0,
          admin_grants: 0,
          impossible_travel: [],
          window: { duration: "P7D" }
        })
        expect(okta.verdict).toBe("Benign")
      }).pipe(Effect.provide(stack({ provider: withActivity }))))
  })

  describe("cost: requests and round trips", () => {
    it.effect("activity off: exactly today's requests (no log request) and no recent_activity field", () =>
      Effect.gen(function*() {
        const { ok, counters, value: okta } = yield* counting(enrich("victor.sales@example.com"))
        expect(ok).toEqual({ [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1 })
        expect(counters.requests).toBe(4)
        expect(okta.extracted).not.toHaveProperty("recent_activity")
        expect(okta.verdict).toBe("Pending")
      }).pipe(Effect.provide(stack())))

    // With 1 second of latency per request, the Clock time of a lookup counts its round trips.
    const rounds: ReadonlyArray<readonly [string, string, number]> = [
      ["by id", VICTOR, 1],
      ["by login", "victor.sales@example.com", 2]
    ]
    for (const [form, value, trips] of rounds) {
      for (const on of [false, true]) {
        it.effect(`${form}, activity ${on ? "on" : "off"}: ${trips} round trip(s) of 1 s`, () =>
          Effect.gen(function*() {
            const { counters, elapsed } = yield* counting(enrich(value))
            expect(counters.requests).toBe(on ? 5 : 4)
            expect(elapsed).toBe(trips * 1000)
          }).pipe(
            Effect.provide(stack({ sandbox: { latency: "1 second" }, ...(on ? { provider: withActivity } : {}) }))
          ))
      }
    }
  })

  describe("failures make the result partial, never a failed lookup", () => {
    it.effect("a 403 without okta.logs.read: recent_activity null, a warning naming the scope, Pending, not cached", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* sandbox.setFaults(LOGS, { random: [{ probability: 1, fault: Sandbox.status(403) }] })
        const okta = yield* enrich("victor.sales@example.com")
        expect(okta.status).toBe("success")
        expect(okta.extracted).toMatchObject({ found: true, user_id: VICTOR, recent_activity: null })
        expect(okta.warnings).toHaveLength(1)
        expect(okta.warnings![0]).toMatch(/^recent_activity: .*okta\.logs\.read/)
        expect(okta.verdict).toBe("Pending")
        const again = yield* counting(enrich("victor.sales@example.com"))
        expect(again.value.cache_hit).toBe(false)
        expect(again.counters.requests).toBeGreaterThan(0)
      }).pipe(Effect.provide(stack({ provider: withActivity }))))

    it.effect("a System Log that keeps failing (503): bounded retries, then recent_activity null", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* sandbox.setFaults(LOGS, { random: [{ probability: 1, fault: Sandbox.status(503) }] })
        const okta = yield* enrich("erin.lee@example.com")
        expect(okta.status).toBe("success")
        expect(okta.extracted).toMatchObject({ recent_activity: null, groups: expect.any(Array) })
        expect(okta.warnings![0]).toMatch(/^recent_activity: the System Log could not be read/)
      }).pipe(Effect.provide(stack({ provider: withActivity }))))
  })

  describe("the log bucket is its own", () => {
    it.effect("a 429 on the log bucket slows only log requests: the user requests answer at once", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const client = yield* OktaClient.OktaClient
        yield* sandbox.setFaults(LOGS, { script: [Sandbox.status(429)] })
        const program = Effect.gen(function*() {
          const logs = yield* Effect.fork(
            Effect.zip(client.listLogEvents!(VICTOR, { window: "7 days" }), Clock.currentTimeMillis)
          )
          // Once the 429 is in, the log request waits for the bucket's reset; user requests go on meanwhile.
          while ((yield* sandbox.counters).byRoute[LOGS]?.["429"] === undefined) yield* Effect.yieldNow()
          const before = yield* Clock.currentTimeMillis
          yield* client.getUser(VICTOR)
          yield* client.listUserGroups(VICTOR)
          const usersDone = yield* Clock.currentTimeMillis
          const [listing, logsDone] = yield* Effect.fromFiber(logs)
          return { before, usersDone, logsDone, listing }
        })
        const { before, listing, logsDone, usersDone } = yield* timed(program)
        expect(usersDone).toBe(before)
        expect(logsDone).toBeGreaterThan(usersDone)
        expect(listing.items.length).toBeGreaterThan(0)
        const stats = yield* client.stats!
        expect(stats.buckets.map((b) => b.bucket)).toContain(LOGS)
      }).pipe(Effect.provide(stack())))
  })

  describe("the activity TTL", () => {
    it.effect("a lookup is cached 5 minutes; then only the System Log is read again until the identity TTL", () =>
      Effect.gen(function*() {
        const first = yield* counting(enrich("victor.sales@example.com"))
        expect(first.counters.requests).toBe(5)
        yield* TestClock.adjust("4 minutes")
        const cached = yield* counting(enrich("victor.sales@example.com"))
        expect(cached.value.cache_hit).toBe(true)
        expect(cached.counters.requests).toBe(0)
        yield* TestClock.adjust("2 minutes")
        const refreshed = yield* counting(enrich("victor.sales@example.com"))
        expect(refreshed.value.cache_hit).toBe(false)
        expect(refreshed.ok).toEqual({ [LOGS]: 1 })
        // The same identity, and the activity read again (its window now starts 6 minutes later).
        const { recent_activity: _, ...identity } = first.value.extracted ?? {}
        expect(refreshed.value.extracted).toMatchObject({ ...identity, recent_activity: { mfa_push_denied: 4 } })
        expect(activityOf(refreshed.value).window).not.toEqual(activityOf(first.value).window)
        yield* TestClock.adjust("1 hour")
        const expired = yield* counting(enrich("victor.sales@example.com"))
        expect(expired.ok).toEqual({ [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1, [LOGS]: 1 })
      }).pipe(Effect.provide(stack({ provider: withActivity }))))

    it.effect("ttl and cacheTtl are options: activity ttl 1 minute, identity 10 minutes", () =>
      Effect.gen(function*() {
        yield* enrich(VICTOR)
        yield* TestClock.adjust("61 seconds")
        expect((yield* counting(enrich(VICTOR))).ok).toEqual({ [LOGS]: 1 })
        yield* TestClock.adjust("10 minutes")
        expect((yield* counting(enrich(VICTOR))).counters.requests).toBe(5)
      }).pipe(Effect.provide(stack({
        provider: { activity: { window: "7 days", ttl: "1 minute" }, cacheTtl: "10 minutes" }
      }))))

    it.effect("a result with an unreadable System Log is not cached, and its identity is reused", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* sandbox.setFaults(LOGS, { script: [Sandbox.status(403)] })
        const first = yield* enrich(VICTOR)
        expect(first.extracted?.recent_activity).toBeNull()
        const second = yield* counting(enrich(VICTOR))
        expect(second.ok).toEqual({ [LOGS]: 1 })
        expect(activityOf(second.value)).toMatchObject({ mfa_push_denied: 4 })
      }).pipe(Effect.provide(stack({ provider: withActivity }))))
  })

  describe("paging bounds", () => {
    it.effect("maxEvents 10 reads pages of 10 and stops at the bound: complete false, the reason in warnings", () =>
      Effect.gen(function*() {
        const { ok, value: okta } = yield* counting(enrich("erin.lee@example.com"))
        expect(ok[LOGS]).toBe(1)
        expect(activityOf(okta)).toMatchObject({ complete: false, events_examined: 10 })
        expect((activityOf(okta).warnings as Array<string>).join()).toMatch(/bound of 10 events/)
        // What was read still counts (10 failures: brute force); only "nothing happened" (Benign) needs it all.
        expect(okta.verdict).toBe("Suspicious")
      }).pipe(Effect.provide(stack({ provider: { ...withActivity, activity: { window: "7 days", maxEvents: 10 } } }))))

    it.effect("a quiet read stopped by the bound is Pending, not Benign", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("jsmith@example.com")
        expect(activityOf(okta)).toMatchObject({ complete: false, events_examined: 1 })
        expect(okta.verdict).toBe("Pending")
      }).pipe(Effect.provide(stack({ provider: { ...withActivity, activity: { window: "7 days", maxEvents: 1 } } }))))

    it.effect("maxEvents 5000 follows every page and the read is complete", () =>
      Effect.gen(function*() {
        const client = yield* OktaClient.OktaClient
        const small = yield* timed(
          client.listLogEvents!(idOf("erin.lee@example.com"), { window: "7 days", maxEvents: 3 })
        )
        expect(small.items).toHaveLength(3)
        expect(small.complete).toBe(false)
        const all = yield* timed(client.listLogEvents!(idOf("erin.lee@example.com"), { window: "7 days" }))
        expect(all.complete).toBe(true)
        expect(all.items.length).toBeGreaterThan(3)
      }).pipe(Effect.provide(stack())))

    it.effect("a repeated cursor stops the read: complete false, the reason kept", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const client = yield* OktaClient.OktaClient
        yield* sandbox.setFaults(LOGS, { repeatNextCursor: true })
        const listing = yield* timed(
          client.listLogEvents!(idOf("erin.lee@example.com"), { window: "7 days", pageSize: 2 })
        )
        expect(listing.complete).toBe(false)
        expect(listing.incompleteReason).toMatch(/repeated the page cursor/)
        // Page 1, page 2 (whose next link repeats its own cursor): the walk stops there.
        expect(listing.items).toHaveLength(4)
      }).pipe(Effect.provide(stack())))
  })

  describe("configuration", () => {
    const load = (env: Record<string, string>) =>
      Effect.either(
        Effect.withConfigProvider(OktaProvider.config, ConfigProvider.fromMap(new Map(Object.entries(env))))
      )

    it.effect("ENRICH_OKTA_ACTIVITY unset is off; 7d, 24h, 30d, P7D and on are windows; the TTL defaults to 5 minutes", () =>
      Effect.gen(function*() {
        const off = yield* load({})
        expect(Either.getOrThrow(off).activity).toBeUndefined()
        for (
          const [text, hours] of [["7d", 168], ["24h", 24], ["30d", 720], ["P7D", 168], ["on", 168], ["90d", 2160]]
        ) {
          const options = Either.getOrThrow(yield* load({ ENRICH_OKTA_ACTIVITY: String(text) }))
          const window = options.activity === undefined ? 0 : Duration.toHours(Duration.decode(options.activity.window))
          expect([text, window]).toEqual([text, hours])
          expect(options.activity?.ttl).toEqual(OktaProvider.defaultActivityTtl)
        }
        for (const text of ["off", "0", "false"]) {
          expect(Either.getOrThrow(yield* load({ ENRICH_OKTA_ACTIVITY: text })).activity).toBeUndefined()
        }
        const ttl = Either.getOrThrow(yield* load({ ENRICH_OKTA_ACTIVITY: "7d", ENRICH_OKTA_ACTIVITY_TTL: "1m" }))
        expect(ttl.activity?.ttl === undefined ? 0 : Duration.toMillis(Duration.decode(ttl.activity.ttl))).toBe(60_000)
      }))

    it.effect("bad values name the variable: 91d, -7d, 1e999d, soon", () =>
      Effect.gen(function*() {
        for (
          const [text, reason] of [["91d", /longer than the maximum/], ["-7d", /negative/], ["soon", /./]] as const
        ) {
          const result = yield* load({ ENRICH_OKTA_ACTIVITY: text })
          expect(Either.isLeft(result)).toBe(true)
          const message = String(Either.isLeft(result) ? result.left : "")
          expect(message).toMatch(/ENRICH_OKTA_ACTIVITY/)
          expect(message).toMatch(reason)
        }
        const huge = yield* load({ ENRICH_OKTA_ACTIVITY: "9".repeat(400) + "d" })
        expect(String(Either.isLeft(huge) ? huge.left : "")).toMatch(/ENRICH_OKTA_ACTIVITY/)
        const ttl = yield* load({ ENRICH_OKTA_ACTIVITY: "7d", ENRICH_OKTA_ACTIVITY_TTL: "-1m" })
        expect(String(Either.isLeft(ttl) ? ttl.left : "")).toMatch(/ENRICH_OKTA_ACTIVITY_TTL/)
      }))

    it("parseActivityWindow refuses more than 90 days, zero and negatives", () => {
      expect(Either.isRight(OktaProvider.parseActivityWindow("90d"))).toBe(true)
      for (const text of ["91d", "0", "-1d", "P1Y", ""]) {
        expect([text, Either.isLeft(OktaProvider.parseActivityWindow(text))]).toEqual([text, true])
      }
    })
  })
})

describe("recent activity with a client that cannot read the System Log", () => {
  it.effect("an in-memory fake without listLogEvents: recent_activity null and a warning, never a failure", () =>
    Effect.gen(function*() {
      const provider = yield* OktaProvider.make(withActivity)
      const lookup = yield* provider.enrich(yield* Effect.orDie(Indicator.account("victor.sales@example.com")))
      expect(lookup._tag).toBe("Found")
      if (lookup._tag !== "Found") return
      expect(lookup.extracted).toMatchObject({ found: true, user_id: VICTOR, recent_activity: null })
      expect(lookup.warnings).toEqual(["recent_activity: this Okta client cannot read the System Log"])
    }).pipe(Effect.provide(FakeOktaClient.layer())))

  it.effect("activity off with the same fake: no recent_activity field, no warning", () =>
    Effect.gen(function*() {
      const provider = yield* OktaProvider.make()
      const lookup = yield* provider.enrich(yield* Effect.orDie(Indicator.account("victor.sales@example.com")))
      expect(lookup._tag === "Found" && "recent_activity" in lookup.extracted).toBe(false)
      expect(provider.cacheTtl.account).toEqual(Duration.hours(1))
      const on = yield* OktaProvider.make(withActivity)
      expect(on.cacheTtl.account).toEqual(Duration.minutes(5))
    }).pipe(Effect.provide(FakeOktaClient.layer())))
})
