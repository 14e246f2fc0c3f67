/**
 * The whole stack, end to end: the core `Enricher` with the memory cache, the Okta provider, the Okta client over a
 * real `HttpClient` (undici), and the sandbox over real loopback HTTP. Time is `TestClock`, moved only while every
 * request in flight is held by the server (see `support/sandboxTime.ts`).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Enricher from "@enrich/core/Enricher"
import * as Indicator from "@enrich/core/Indicator"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import { Sandbox, SandboxOrg } from "@enrich/okta/testing"
import { Effect, Either, Stream, TestClock } from "effect"
import seed from "../src/testing/seed-org.json" with { type: "json" }
import { enrich, type Stack, stack, timed } from "./support/sandboxStack.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string): string => org.usersByLogin.get(login.toLowerCase())!.json.id

const JSMITH = idOf("jsmith@example.com")
const ALICE = idOf("alice.admin@example.com")
const BOB = idOf("bob.helpdesk@example.com")
const SVC = idOf("svc/backup@example.com")
const PAULA = idOf("paula.groups@example.com")

const USER = "GET /api/v1/users/{id}"
const SEARCH = "GET /api/v1/users"
const GROUPS = "GET /api/v1/users/{id}/groups"
const FACTORS = "GET /api/v1/users/{id}/factors"
const ROLES = "GET /api/v1/users/{id}/roles"

/**
 * The seed org plus what it cannot show through the provider: an email shared by two users neither of whose login it
 * is (the seed's shared email is also one of the two logins, which the login lookup resolves first), and a
 * DEPROVISIONED user whose email is not their login (Okta finds DEPROVISIONED users by login too, so only such a user
 * is reachable through the email search alone).
 */
const TWIN_A = "00utwinAAAAAAAAAAAAA"
const TWIN_B = "00utwinBBBBBBBBBBBBB"
const GONE = "00ugoneCCCCCCCCCCCCC"
const extraUser = (id: string, login: string, email: string, status = "ACTIVE") => ({
  user: {
    id,
    status,
    created: "2021-03-01T09:00:00.000Z",
    activated: "2021-03-01T09:05:00.000Z",
    statusChanged: "2021-03-01T09:05:00.000Z",
    lastLogin: null,
    lastUpdated: "2024-12-01T10:00:00.000Z",
    passwordChanged: null,
    profile: { firstName: "T", lastName: "W", login, email }
  }
})
const extendedOrg = Either.getOrThrow(SandboxOrg.fromJson({
  ...seed,
  users: [
    ...seed.users,
    extraUser(TWIN_A, "twin.a@example.com", "twin@example.com"),
    extraUser(TWIN_B, "twin.b@example.com", "twin@example.com"),
    extraUser(GONE, "lisa.left@corp.example.com", "lisa@example.com", "DEPROVISIONED")
  ]
}))

/** The requests the sandbox saw, per route and status, during `effect`. */
const counting = <A, E>(effect: Effect.Effect<A, E, Stack>) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.Sandbox
    yield* sandbox.resetCounters
    const value = yield* effect
    const counters = yield* sandbox.counters
    return { value, counters }
  })

const productPageFields = {
  status: "ACTIVE",
  last_login: "2025-01-15T08:30:00Z",
  groups: ["Engineering", "VPN Users", "AWS Admins"],
  mfa_enrolled: true,
  mfa_factors: ["push", "totp"],
  is_admin: false,
  department: "Engineering",
  title: "Senior Developer"
}

const jsmithExtracted = {
  ...productPageFields,
  found: true,
  user_id: JSMITH,
  login: "jsmith@example.com",
  email: "jsmith@example.com",
  first_name: "John",
  last_name: "Smith",
  manager: "Maria Garcia",
  created: "2019-06-03T09:00:00Z",
  status_changed: "2019-06-03T09:05:00Z",
  password_changed: "2019-06-03T09:10:00Z",
  last_updated: "2024-12-01T10:00:00Z",
  admin_roles: [],
  mfa_factors_pending: []
}

describe("the full stack against the sandbox", () => {
  describe("the product page's example user, by every form of account", () => {
    const forms: ReadonlyArray<readonly [string, string, Record<string, number>]> = [
      // [form, indicator, requests per route]: the provider's "fewest calls" design, as the sandbox counted it.
      ["login", "jsmith@example.com", { [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1 }],
      ["short name", "jsmith", { [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1 }],
      ["email in capitals", "JSMITH@EXAMPLE.COM", { [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1 }],
      ["Okta user id", JSMITH, { [USER]: 1, [GROUPS]: 1, [FACTORS]: 1, [ROLES]: 1 }]
    ]
    for (const [form, value, requests] of forms) {
      it.effect(`by ${form} (${value}): the product page's fields, the documented extras, 4 requests`, () =>
        Effect.gen(function*() {
          const { counters, value: okta } = yield* counting(enrich(value))
          expect(okta.status).toBe("success")
          expect(okta.success).toBe(true)
          expect(okta.extracted).toEqual(jsmithExtracted)
          expect(okta.verdict).toBe("Pending")
          expect(okta.cache_hit).toBe(false)
          expect(okta.warnings).toBeUndefined()
          expect(okta.enriched_at).toMatch(/^\d{4}-\d\d-\d\dT/)
          expect(counters.requests).toBe(4)
          expect(Object.fromEntries(Object.entries(counters.byRoute).map(([route, s]) => [route, s["200"]])))
            .toEqual(requests)
        }).pipe(Effect.provide(stack())))
    }
  })

  describe("who is who in the seed org", () => {
    it.effect("a super admin: is_admin with the direct role and the one held through a group", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("alice.admin@example.com")
        expect(okta.extracted).toMatchObject({
          user_id: ALICE,
          is_admin: true,
          admin_roles: [
            { type: "SUPER_ADMIN", label: "Super Organization Administrator", assignment_type: "USER" },
            { type: "READ_ONLY_ADMIN", label: "Read Only Administrator", assignment_type: "GROUP" }
          ]
        })
      }).pipe(Effect.provide(stack())))

    it.effect("an admin only through a group: is_admin, assignment_type GROUP", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("bob.helpdesk@example.com")
        expect(okta.extracted).toMatchObject({
          user_id: BOB,
          is_admin: true,
          admin_roles: [{ type: "HELP_DESK_ADMIN", label: "Help Desk Administrator", assignment_type: "GROUP" }]
        })
      }).pipe(Effect.provide(stack())))

    it.effect("unknown role types (CUSTOM, MOBILE_ADMIN) are kept; INACTIVE assignments grant nothing", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("tina.roles@example.com")
        expect(okta.extracted).toMatchObject({
          is_admin: true,
          admin_roles: [
            { type: "CUSTOM", label: "UserCreatorRole", assignment_type: "USER" },
            { type: "MOBILE_ADMIN", label: "Mobile Administrator", assignment_type: "USER" }
          ]
        })
      }).pipe(Effect.provide(stack())))

    it.effect("SUSPENDED with the product page's rule: Suspicious, matched_rule index 0", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("carol.white@example.com")
        expect(okta.extracted).toMatchObject({ status: "SUSPENDED", found: true })
        expect(okta.verdict).toBe("Suspicious")
        expect(okta.matched_rule).toEqual({ index: 0 })
        // The same rules leave an ACTIVE user alone.
        const active = yield* enrich("jsmith")
        expect(active.verdict).toBe("Pending")
        expect(active.matched_rule).toBeNull()
      }).pipe(Effect.provide(stack({
        provider: {
          rules: MaliceRules.decodeSync({
            malice_rules: {
              conditions: [{ field: "status", operator: "eq", value: "SUSPENDED", verdict: "Suspicious" }]
            }
          })
        }
      }))))

    it.effect("DEPROVISIONED: Okta (and the sandbox) still finds the user by login, in 4 requests", () =>
      Effect.gen(function*() {
        const { counters, value: okta } = yield* counting(enrich("dave.former@example.com"))
        expect(okta.extracted).toMatchObject({ found: true, status: "DEPROVISIONED", groups: [] })
        expect(counters.requests).toBe(4)
      }).pipe(Effect.provide(stack())))

    it.effect("a DEPROVISIONED user whose email is no login is found by the email search fallback", () =>
      Effect.gen(function*() {
        const { counters, value: okta } = yield* counting(enrich("lisa@example.com"))
        expect(okta.extracted).toMatchObject({ found: true, user_id: GONE, status: "DEPROVISIONED" })
        expect(counters.byRoute[USER]).toEqual({ "404": 1 })
        expect(counters.byRoute[SEARCH]).toEqual({ "200": 1 })
      }).pipe(Effect.provide(stack({ sandbox: { org: extendedOrg } }))))

    it.effect("email differs from the login: found through the email search, 5 requests including the 404", () =>
      Effect.gen(function*() {
        const { counters, value: okta } = yield* counting(enrich("k.chan@mail.example.net"))
        expect(okta.extracted).toMatchObject({
          found: true,
          login: "kevin.chan@example.com",
          email: "k.chan@mail.example.net",
          mfa_factors: ["totp"]
        })
        // getUser 404, one search page, then groups, factors and roles together: 5, not 6.
        expect(counters.requests).toBe(5)
        expect(counters.byRoute).toEqual({
          [USER]: { "404": 1 },
          [SEARCH]: { "200": 1 },
          [GROUPS]: { "200": 1 },
          [FACTORS]: { "200": 1 },
          [ROLES]: { "200": 1 }
        })
        // By its login, the same user takes 4.
        const byLogin = yield* counting(enrich("kevin.chan@example.com"))
        expect(byLogin.value.extracted).toEqual(okta.extracted)
        expect(byLogin.counters.requests).toBe(4)
      }).pipe(Effect.provide(stack())))

    it.effect("no MFA: mfa_enrolled false, mfa_factors []", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("henry.ford@example.com")
        expect(okta.extracted).toMatchObject({ mfa_enrolled: false, mfa_factors: [], mfa_factors_pending: [] })
      }).pipe(Effect.provide(stack())))

    it.effect("only PENDING_ACTIVATION factors: not enrolled, the pending ones listed", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("irene.adler@example.com")
        expect(okta.extracted).toMatchObject({
          mfa_enrolled: false,
          mfa_factors: [],
          mfa_factors_pending: ["push", "totp", "sms"]
        })
      }).pipe(Effect.provide(stack())))

    it.effect("a user in 450 groups: 450 names, read over 3 pages", () =>
      Effect.gen(function*() {
        const { counters, value: okta } = yield* counting(enrich(PAULA))
        const groups = okta.extracted!.groups as ReadonlyArray<string>
        expect(groups).toHaveLength(450)
        expect(new Set(groups).size).toBe(450)
        expect(groups[0]).toBe("Project Team 1")
        expect(groups[449]).toBe("Project Team 450")
        expect(okta.warnings).toBeUndefined()
        expect(counters.byRoute[GROUPS]).toEqual({ "200": 3 })
      }).pipe(Effect.provide(stack())))

    it.effect("an email shared by two users (neither's login): failed, naming both ids, never the first one", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("twin@example.com")
        expect(okta.status).toBe("failed")
        expect(okta.extracted).toBeNull()
        expect(okta.error_message).toContain("ambiguous: 2 Okta users have email twin@example.com")
        expect(okta.error_message).toContain(TWIN_A)
        expect(okta.error_message).toContain(TWIN_B)
      }).pipe(Effect.provide(stack({ sandbox: { org: extendedOrg } }))))

    it.effect("the seed's shared email (mjones and mike.jones.admin): failed, naming both ids", () =>
      Effect.gen(function*() {
        const okta = yield* enrich("mike.jones@example.com")
        expect(okta.status).toBe("failed")
        expect(okta.error_message).toContain("ambiguous: 2 Okta users have email mike.jones@example.com")
        expect(okta.error_message).toContain(idOf("mjones@example.com"))
        expect(okta.error_message).toContain(idOf("mike.jones.admin@example.com"))
      }).pipe(Effect.provide(stack())))

    const logins: ReadonlyArray<readonly [string, string, string]> = [
      ["+", "nina+test@example.com", "nina+test@example.com"],
      ["'", "owen.o'brien@example.com", "owen.o'brien@example.com"],
      ["accents", "josé.garcía@example.com", "josé.garcía@example.com"],
      ["accents (2)", "zoë.müller@example.com", "zoë.müller@example.com"],
      ["capitals", "Quentin.Tarrant@Example.COM", "Quentin.Tarrant@Example.COM"]
    ]
    for (const [what, value, login] of logins) {
      it.effect(`a login with ${what} (${value}) is found by login in 4 requests`, () =>
        Effect.gen(function*() {
          const { counters, value: okta } = yield* counting(enrich(value))
          expect(okta.extracted).toMatchObject({ found: true, login, user_id: idOf(login) })
          expect(counters.requests).toBe(4)
          expect(counters.byRoute[USER]).toEqual({ "200": 1 })
        }).pipe(Effect.provide(stack())))
    }

    it.effect("svc/backup: found by id; by login the / stays inside the segment (404, never another path)", () =>
      Effect.gen(function*() {
        const byId = yield* enrich(SVC)
        expect(byId.extracted).toMatchObject({ found: true, login: "svc/backup@example.com" })

        const byLogin = yield* counting(enrich("svc/backup@example.com"))
        expect(byLogin.value.status).toBe("success")
        expect(byLogin.value.extracted).toEqual({ found: false })
        // One user lookup (404, like Okta for logins with "/") and one email search: no UNMATCHED route, no groups.
        expect(byLogin.counters.byRoute).toEqual({ [USER]: { "404": 1 }, [SEARCH]: { "200": 1 } })

        const shortName = yield* counting(enrich("svc/backup"))
        expect(shortName.value.extracted).toEqual({ found: false })
        expect(shortName.counters.byRoute).toEqual({ [USER]: { "404": 1 } })
      }).pipe(Effect.provide(stack())))

    it.effect("an unknown account: success with { found: false }", () =>
      Effect.gen(function*() {
        const { counters, value: okta } = yield* counting(enrich("nobody@example.com"))
        expect(okta).toMatchObject({ status: "success", success: true, extracted: { found: false } })
        expect(counters.byRoute).toEqual({ [USER]: { "404": 1 }, [SEARCH]: { "200": 1 } })
        const short = yield* counting(enrich("nobody"))
        expect(short.value.extracted).toEqual({ found: false })
        expect(short.counters.requests).toBe(1)
      }).pipe(Effect.provide(stack())))
  })

  describe("the cache", () => {
    it.effect("a second lookup within the TTL is a cache hit with no request; after 1 hour Okta is asked again", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const first = yield* enrich("jsmith")
        expect(first.cache_hit).toBe(false)
        expect((yield* sandbox.counters).requests).toBe(4)

        yield* TestClock.adjust("59 minutes")
        const second = yield* enrich("jsmith")
        expect(second.cache_hit).toBe(true)
        expect(second.extracted).toEqual(first.extracted)
        expect(second.enriched_at).toBe(first.enriched_at)
        expect((yield* sandbox.counters).requests).toBe(4)

        yield* TestClock.adjust("1 minute")
        const third = yield* enrich("jsmith")
        expect(third.cache_hit).toBe(false)
        expect((yield* sandbox.counters).requests).toBe(8)
      }).pipe(Effect.provide(stack())))

    it.effect("a not-found is cached for 5 minutes", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* enrich("nobody@example.com")
        const again = yield* enrich("nobody@example.com")
        expect(again.cache_hit).toBe(true)
        expect((yield* sandbox.counters).requests).toBe(2)
        yield* TestClock.adjust("5 minutes")
        expect((yield* enrich("nobody@example.com")).cache_hit).toBe(false)
        expect((yield* sandbox.counters).requests).toBe(4)
      }).pipe(Effect.provide(stack())))
  })

  describe("partial results", () => {
    it.effect("factors forbidden (403): the user's fields, MFA fields null, a warning, and not cached", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* sandbox.setFaults(FACTORS, { script: [Sandbox.status(403)] })
        const okta = yield* enrich("jsmith")
        expect(okta.status).toBe("success")
        expect(okta.extracted).toEqual({
          ...jsmithExtracted,
          mfa_enrolled: null,
          mfa_factors: null,
          mfa_factors_pending: null
        })
        expect(okta.warnings).toHaveLength(1)
        expect(okta.warnings![0]).toMatch(/^factors: /)
        expect(okta.warnings![0]).toMatch(/403|permission|forbidden/i)
        expect((yield* sandbox.counters).byRoute[FACTORS]).toEqual({ "403": 1 })

        // Not cached: the next lookup asks Okta again, and is now complete.
        const next = yield* enrich("jsmith")
        expect(next.cache_hit).toBe(false)
        expect(next.extracted).toEqual(jsmithExtracted)
        expect(next.warnings).toBeUndefined()
        expect((yield* sandbox.counters).requests).toBe(8)
      }).pipe(Effect.provide(stack())))

    it.effect("a persistent 503 on factors: bounded retries, then a partial result", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const client = yield* OktaClient.OktaClient
        yield* sandbox.setFaults(FACTORS, { random: [{ probability: 1, fault: Sandbox.status(503) }] })
        const okta = yield* enrich("jsmith")
        expect(okta.extracted).toMatchObject({
          groups: productPageFields.groups,
          is_admin: false,
          mfa_enrolled: null,
          mfa_factors: null,
          mfa_factors_pending: null
        })
        expect(okta.warnings).toEqual([expect.stringMatching(/^factors: .*503/)])
        // 1 try + 3 retries (the default), no more.
        expect((yield* sandbox.counters).byRoute[FACTORS]).toEqual({ "503": 4 })
        expect((yield* client.stats!).retries).toBe(3)
        const next = yield* enrich("jsmith")
        expect(next.cache_hit).toBe(false)
      }).pipe(Effect.provide(stack())))
  })

  describe("pitfalls of other Okta integrations", () => {
    it.effect("a repeated next cursor (a known Okta bug): the listing stops, the result says so and is not cached", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* sandbox.setFaults(GROUPS, { repeatNextCursor: true })
        const okta = yield* enrich(PAULA)
        expect(okta.status).toBe("success")
        const groups = okta.extracted!.groups as ReadonlyArray<string>
        // Page 1, then page 2, whose next link repeats its own cursor: stopped there without asking again.
        expect(groups).toHaveLength(400)
        expect(new Set(groups).size).toBe(400)
        expect(okta.warnings).toEqual([expect.stringMatching(/^groups: the list is incomplete, 400 groups were read/)])
        expect((yield* sandbox.counters).byRoute[GROUPS]).toEqual({ "200": 2 })
        yield* sandbox.clearFaults
        const next = yield* enrich(PAULA)
        expect(next.cache_hit).toBe(false)
        expect(next.extracted!.groups).toHaveLength(450)
      }).pipe(Effect.provide(stack())))

    it.effect("a bucket that keeps answering 429: waits for each reset, gives up after 3 retries (not SDK-style forever)", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const client = yield* OktaClient.OktaClient
        yield* sandbox.setFaults(USER, { random: [{ probability: 1, fault: Sandbox.status(429) }] })
        const start = yield* TestClock.currentTimeMillis
        const okta = yield* enrich("jsmith")
        const elapsed = (yield* TestClock.currentTimeMillis) - start
        expect(okta.status).toBe("failed")
        expect(okta.error_message).toMatch(/rate limit/i)
        expect((yield* sandbox.counters).byRoute[USER]).toEqual({ "429": 4 })
        const stats = yield* client.stats!
        expect(stats).toMatchObject({ rateLimited: 4, retries: 3 })
        // Each retry waited for the window's reset (Okta's clock, 10 s windows here), not a blind quick retry.
        expect(elapsed).toBeGreaterThanOrEqual(3 * 10_000)
        // A failure is not cached either.
        yield* sandbox.clearFaults
        expect((yield* enrich("jsmith")).status).toBe("success")
      }).pipe(Effect.provide(stack({ sandbox: { rateLimits: { "*": { window: "10 seconds" } } } }))))

    it.effect("with Okta's one-minute windows, the 90 s operation deadline ends the retries earlier", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        yield* sandbox.setFaults(USER, { random: [{ probability: 1, fault: Sandbox.status(429) }] })
        const start = yield* TestClock.currentTimeMillis
        const okta = yield* enrich("jsmith")
        expect(okta.status).toBe("failed")
        // One wait of about a minute fits in 90 s, a second does not: it fails now rather than later.
        expect((yield* sandbox.counters).byRoute[USER]).toEqual({ "429": 2 })
        expect((yield* TestClock.currentTimeMillis) - start).toBeLessThan(90_000)
      }).pipe(Effect.provide(stack())))
  })

  describe("rate limits", () => {
    it.effect("30 distinct lookups against buckets of 10 per minute: paced, zero 429s", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const enricher = yield* Enricher.Enricher
        const client = yield* OktaClient.OktaClient
        const users = org.users.filter((u) => !u.json.profile.login.includes("/")).slice(0, 30)
        expect(users).toHaveLength(30)
        const indicators = users.map((u) => new Indicator.Indicator({ type: "account", value: u.json.id }))
        const start = yield* TestClock.currentTimeMillis
        const results = yield* timed(Stream.runCollect(enricher.enrichAll(Stream.fromIterable(indicators))))
        const elapsed = (yield* TestClock.currentTimeMillis) - start
        const okta = Array.from(results, (r) => r.enrichment.okta)
        expect(okta.map((r) => r.status)).toEqual(Array(30).fill("success"))
        expect(okta.map((r) => r.extracted!.user_id)).toEqual(users.map((u) => u.json.id))
        const counters = yield* sandbox.counters
        expect(counters.rateLimited).toBe(0)
        // 4 per user, and 2 more pages of groups for the user in 450 groups.
        expect(counters.requests).toBe(30 * 4 + 2)
        const stats = yield* client.stats!
        expect(stats.rateLimited).toBe(0)
        expect(stats.waits).toBeGreaterThan(0)
        // 30 requests per bucket at 10 per minute cannot take less than two full windows.
        expect(elapsed).toBeGreaterThanOrEqual(120_000)
      }).pipe(Effect.provide(stack({
        sandbox: { rateLimits: { "*": { limit: 10, window: "1 minute" } } },
        // 120 requests through buckets of 10 a minute queue for minutes; the default 90-second deadline, which bounds
        // pacing waits too, would fail the last lookups (saying so) instead of holding them.
        client: { operationDeadline: "10 minutes" }
      }))), 60_000) // CPU-bound (130 requests over loopback): 5 s is too tight on a shared runner

    it.effect("a concurrency limit of 2 under a client concurrency of 8: everything completes, retries bounded", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const enricher = yield* Enricher.Enricher
        const client = yield* OktaClient.OktaClient
        const users = org.users.filter((u) => !u.json.profile.login.includes("/")).slice(0, 16)
        const indicators = users.map((u) => new Indicator.Indicator({ type: "account", value: u.json.id }))
        const results = yield* timed(Stream.runCollect(enricher.enrichAll(Stream.fromIterable(indicators))))
        const okta = Array.from(results, (r) => r.enrichment.okta)
        expect(okta.map((r) => [r.status, r.warnings])).toEqual(Array(16).fill(["success", undefined]))
        const counters = yield* sandbox.counters
        const stats = yield* client.stats!
        expect(counters.concurrencyRejected).toBeGreaterThan(0)
        expect(stats.concurrencyLimited).toBe(counters.concurrencyRejected)
        expect(stats.rateLimited).toBe(0)
        // Every 429 was retried, and only those: 64 successful requests plus one retry per rejection.
        expect(stats.retries).toBe(counters.concurrencyRejected)
        expect(counters.requests).toBe(64 + 2 + counters.concurrencyRejected)
        // Bounded: the first burst (8 sent, 2 admitted) and then at most one probe per `concurrencyRecovery` answers,
        // because each concurrency 429 lowers the client's in-flight cap instead of bursting again.
        expect(counters.concurrencyRejected).toBeLessThanOrEqual(
          6 + Math.ceil(counters.requests / RateLimiter.concurrencyRecovery)
        )
        expect(stats.concurrencyCap).toBeLessThan(8)
      }).pipe(
        Effect.provide(
          stack({ sandbox: { concurrencyLimit: 2, latency: "100 millis" }, client: { maxConcurrency: 8 } })
        )
      ))
  })
})
