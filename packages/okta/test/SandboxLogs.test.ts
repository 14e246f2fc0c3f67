/**
 * The sandbox's System Log: the stories of `SandboxActivity` relative to the sandbox's start, Okta's `filter`
 * expressions (`actor.id`, `target.id`, `eventType`, `eq`, `and`, `or`, parentheses), `since`, `until`, `sortOrder`,
 * `limit` and `after`, and the route's own rate-limit bucket.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxActivity from "../src/testing/SandboxActivity.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { json, nextPath } from "./fixtures/SandboxHttp.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string) => org.usersByLogin.get(login.toLowerCase())!.json.id
const victor = idOf("victor.sales@example.com")
const mike = idOf("mike.jones.admin@example.com")
const alice = idOf("alice.admin@example.com")

const start = Date.parse("2026-03-01T12:00:00Z")
const window = `since=${new Date(start - 7 * 86_400_000).toISOString()}&until=${new Date(start + 60_000).toISOString()}`
const logs = (filter: string, rest = "") =>
  `/api/v1/logs?filter=${encodeURIComponent(filter)}&${window}&limit=1000${rest}`

describe("the sandbox's System Log", () => {
  it.scoped("serves the stories relative to its start on the Clock (default seed org only)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* Sandbox.make()
      const all = yield* json(sandbox, `/api/v1/logs?${window}&limit=1000`)
      const stories = SandboxActivity.events(new Date(start))
      expect(all.json.map((e: any) => e.uuid)).toEqual(stories.map((e) => e.uuid))
      const custom = yield* Sandbox.make({ org })
      expect((yield* json(custom, `/api/v1/logs?${window}&limit=1000`)).json).toEqual([])
      const opted = yield* Sandbox.make({ org, activity: true })
      expect((yield* json(opted, `/api/v1/logs?${window}&limit=1000`)).json).toHaveLength(stories.length)
    }))

  it.scoped("filter: actor.id or target.id finds the events about an account, target[] included", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* Sandbox.make()
      const asActor = yield* json(sandbox, logs(`actor.id eq "${mike}"`))
      const either = yield* json(sandbox, logs(`actor.id eq "${mike}" or target.id eq "${mike}"`))
      expect(either.json.length).toBeGreaterThan(asActor.json.length)
      const grant = either.json.find((e: any) => e.eventType === "user.account.privilege.grant")
      expect(grant.actor.id).toBe(alice)
      expect(grant.target.map((t: any) => t.id)).toContain(mike)
    }))

  it.scoped("filter: and, eventType, parentheses; case-sensitive values", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* Sandbox.make()
      const denied = yield* json(
        sandbox,
        logs(`(actor.id eq "${victor}" or target.id eq "${victor}") and eventType eq "user.mfa.okta_verify.deny_push"`)
      )
      expect(denied.status).toBe(200)
      expect(denied.json).toHaveLength(4)
      expect(new Set(denied.json.map((e: any) => e.eventType))).toEqual(new Set(["user.mfa.okta_verify.deny_push"]))
      const upper = yield* json(sandbox, logs(`eventType eq "USER.MFA.OKTA_VERIFY.DENY_PUSH"`))
      expect(upper.json).toEqual([])
    }))

  it.scoped("a bad filter is Okta's 400 E0000031, naming the problem", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      for (const filter of [`actor.id eq`, `actor.id eq "x" or`, `(actor.id eq "x"`, `actor.id like "x"`]) {
        const bad = yield* json(sandbox, logs(filter))
        expect([filter, bad.status, bad.json.errorCode]).toEqual([filter, 400, "E0000031"])
        expect(bad.json.errorCauses[0].errorSummary.length).toBeGreaterThan(0)
      }
    }))

  it.scoped("sortOrder DESCENDING is newest first; limit and after page it with Link next, ending without one", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* Sandbox.make()
      const filter = `actor.id eq "${victor}" or target.id eq "${victor}"`
      const all = (yield* json(sandbox, logs(filter, "&sortOrder=DESCENDING"))).json as Array<any>
      const published = all.map((e) => e.published)
      expect(published).toEqual([...published].sort().reverse())
      const pages: Array<any> = []
      let path: string | undefined = `/api/v1/logs?filter=${encodeURIComponent(filter)}&${window}&limit=3` +
        "&sortOrder=DESCENDING"
      while (path !== undefined) {
        const page: any = yield* json(sandbox, path)
        expect(page.json.length).toBeLessThanOrEqual(3)
        pages.push(...page.json)
        path = nextPath(sandbox, page)
      }
      expect(pages.map((e) => e.uuid)).toEqual(all.map((e) => e.uuid))
    }))

  it.scoped("since and until bound the window: nothing before the stories' three days", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* Sandbox.make()
      const old = `since=${new Date(start - 30 * 86_400_000).toISOString()}&until=${
        new Date(start - 4 * 86_400_000).toISOString()
      }`
      expect((yield* json(sandbox, `/api/v1/logs?${old}&filter=${encodeURIComponent(`actor.id eq "${victor}"`)}`)).json)
        .toEqual([])
    }))

  it.scoped("its own bucket of 120 a minute: exhausting it leaves the users bucket untouched", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const sandbox = yield* Sandbox.make({ rateLimits: { "GET /api/v1/logs": { limit: 2 } } })
      expect((yield* json(sandbox, `/api/v1/logs?${window}`)).status).toBe(200)
      expect((yield* json(sandbox, `/api/v1/logs?${window}`)).status).toBe(200)
      const limited = yield* json(sandbox, `/api/v1/logs?${window}`)
      expect(limited.status).toBe(429)
      expect((yield* json(sandbox, `/api/v1/users/${victor}`)).status).toBe(200)
      expect(Sandbox.defaultRateLimits["GET /api/v1/logs"]).toBe(120)
    }))
})
