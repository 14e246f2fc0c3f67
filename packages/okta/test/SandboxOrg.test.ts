import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"

const org = SandboxOrg.defaultOrg
const user = (login: string) => Option.getOrThrow(SandboxOrg.findUser(org, login))
const groupNames = (login: string) =>
  Option.getOrThrow(SandboxOrg.listUserGroups(org, login)).map((group) => group.profile.name)
const factors = (login: string) => Option.getOrThrow(SandboxOrg.listFactors(org, user(login).json.id))
const roles = (login: string) =>
  Option.getOrThrow(SandboxOrg.listRoles(org, user(login).json.id)).map((role) => [role.type, role.assignmentType])

const minimalUser = (id: string, login: string, extra: Record<string, unknown> = {}) => ({
  user: { id, status: "ACTIVE", profile: { login, email: login }, ...extra }
})
const failure = (json: unknown): string =>
  Either.match(SandboxOrg.fromJson(json, "test.json"), {
    onLeft: (error) => error.message,
    onRight: () => "loaded"
  })

describe("SandboxOrg", () => {
  describe("the bundled seed org", () => {
    it("models the product page's example user", () => {
      const jsmith = user("jsmith@example.com").json
      expect(jsmith.id).toMatch(/^00u[A-Za-z0-9]{17}$/)
      expect(jsmith.status).toBe("ACTIVE")
      expect(jsmith.lastLogin).toBe("2025-01-15T08:30:00.000Z")
      expect(jsmith.profile).toMatchObject({ department: "Engineering", title: "Senior Developer" })
      expect(groupNames("jsmith@example.com")).toEqual(["Engineering", "VPN Users", "AWS Admins"])
      expect(factors("jsmith@example.com").map((f) => [f.factorType, f.status])).toEqual([
        ["push", "ACTIVE"],
        ["token:software:totp", "ACTIVE"]
      ])
      expect(roles("jsmith@example.com")).toEqual([])
    })

    it("covers the cases real orgs contain", () => {
      expect(org.users.length).toBeGreaterThanOrEqual(28)
      expect(org.users.length).toBeLessThanOrEqual(35)
      const statuses = new Set(org.users.map((u) => u.json.status))
      for (const status of ["ACTIVE", "SUSPENDED", "DEPROVISIONED", "LOCKED_OUT", "STAGED", "PASSWORD_EXPIRED"]) {
        expect((statuses as ReadonlySet<string>).has(status), status).toBe(true)
      }
      expect(roles("alice.admin@example.com")).toContainEqual(["SUPER_ADMIN", "USER"])
      expect(user("bob.helpdesk@example.com").roles).toEqual([])
      expect(roles("bob.helpdesk@example.com")).toEqual([["HELP_DESK_ADMIN", "GROUP"]])
      expect(factors("henry.ford@example.com")).toEqual([])
      const pending = factors("irene.adler@example.com")
      expect(pending.length).toBeGreaterThan(0)
      expect(pending.every((f) => f.status === "PENDING_ACTIVATION")).toBe(true)
      expect(groupNames("paula.groups@example.com")).toHaveLength(450)
      const kevin = user("kevin.chan@example.com").json
      expect(kevin.profile.email).not.toBe(kevin.profile.login)
      const sharing = org.users.filter((u) => u.json.profile.email === "mike.jones@example.com")
      expect(sharing).toHaveLength(2)
      const logins = org.users.map((u) => u.json.profile.login)
      expect(logins.some((l) => l.includes("+"))).toBe(true)
      expect(logins.some((l) => l.includes("'"))).toBe(true)
      expect(logins.some((l) => /[^\x00-\x7F]/.test(l))).toBe(true)
      expect(logins.some((l) => l !== l.toLowerCase())).toBe(true)
      expect(user("rachel.custom@example.com").json.profile).toMatchObject({
        clearanceLevel: "secret",
        badgeIds: ["B-1001", "B-2002"]
      })
      const roleTypes = org.users.flatMap((u) => u.roles.map((r) => r.type))
      expect(roleTypes).toContain("MOBILE_ADMIN")
      expect(roleTypes).toContain("CUSTOM")
    })

    it("holds System Log events: sign-ins, failed sign-ins and an MFA reset", () => {
      const types = org.logs.map((e) => [e.eventType, (e.outcome as { readonly result: string }).result])
      expect(types).toContainEqual(["user.session.start", "SUCCESS"])
      expect(types).toContainEqual(["user.session.start", "FAILURE"])
      expect(types.map(([type]) => type)).toContain("user.mfa.factor.reset_all")
      const published = org.logs.map((e) => e.published)
      expect(published).toEqual([...published].sort())
    })

    it("uses Okta-format ids that are unique", () => {
      for (const u of org.users) expect(u.json.id).toMatch(/^00u[A-Za-z0-9]{17}$/)
      for (const g of org.groups) expect(g.json.id).toMatch(/^00g[A-Za-z0-9]{17}$/)
      expect(new Set(org.groups.map((g) => g.json.id)).size).toBe(org.groups.length)
    })
  })

  describe("getUser", () => {
    it("finds a user by id, login ignoring case, and unambiguous short name", () => {
      const id = user("jsmith@example.com").json.id
      for (const key of [id, "jsmith@example.com", "JSmith@EXAMPLE.com", "jsmith", "JSMITH"]) {
        expect(Option.map(SandboxOrg.getUser(org, key), (u) => u.id), key).toEqual(Option.some(id))
      }
    })

    it("finds nothing for ambiguous short names, unknown users and logins containing /", () => {
      expect(SandboxOrg.getUser(org, "jdoe")).toEqual(Option.none())
      expect(SandboxOrg.getUser(org, "nobody")).toEqual(Option.none())
      expect(SandboxOrg.getUser(org, "svc/backup@example.com")).toEqual(Option.none())
      const service = org.users.find((u) => u.json.profile.login === "svc/backup@example.com")!
      expect(Option.isSome(SandboxOrg.getUser(org, service.json.id))).toBe(true)
    })

    it("finds DEPROVISIONED users by id and login but does not list them", () => {
      const dave = user("dave.former@example.com").json
      expect(dave.status).toBe("DEPROVISIONED")
      expect(SandboxOrg.listUsers(org).map((u) => u.id)).not.toContain(dave.id)
      expect(SandboxOrg.qUsers(org, "dave")).toEqual([])
    })

    it("answers factors and roles by id only", () => {
      expect(SandboxOrg.listFactors(org, "jsmith@example.com")).toEqual(Option.none())
      expect(SandboxOrg.listRoles(org, "jsmith@example.com")).toEqual(Option.none())
      expect(Option.isSome(SandboxOrg.listUserGroups(org, "jsmith@example.com"))).toBe(true)
    })
  })

  describe("paginate", () => {
    const items = ["a", "b", "c", "d", "e"]
    const key = (s: string) => s
    it("cuts pages and links the next one while more items follow", () => {
      const first = SandboxOrg.paginate(items, { limit: 2, key })
      expect(first).toEqual({ items: ["a", "b"], next: Option.some("b") })
      expect(SandboxOrg.paginate(items, { after: "b", limit: 2, key })).toEqual({
        items: ["c", "d"],
        next: Option.some("d")
      })
      expect(SandboxOrg.paginate(items, { after: "d", limit: 2, key })).toEqual({ items: ["e"], next: Option.none() })
      expect(SandboxOrg.paginate(items, { limit: 5, key }).next).toEqual(Option.none())
      expect(SandboxOrg.paginate(items, { after: "zz", limit: 2, key }).items).toEqual([])
    })
  })

  describe("listLogs", () => {
    const now = new Date("2025-01-16T00:00:00Z")
    const jsmithId = user("jsmith@example.com").json.id

    it("filters by actor within the time range and sorts either way", () => {
      const query = { filter: `actor.id eq "${jsmithId}"`, since: "2025-01-15T00:00:00Z", now }
      const page = Either.getOrThrow(SandboxOrg.listLogs(org, { ...query, until: "2025-01-16T00:00:00Z" }))
      expect(page.items.map((e) => e.published)).toEqual(["2025-01-15T08:29:58.000Z", "2025-01-15T08:30:00.000Z"])
      expect(page.next).toEqual(Option.none())
      const descending = Either.getOrThrow(
        SandboxOrg.listLogs(org, { ...query, until: "2025-01-16T00:00:00Z", sortOrder: "DESCENDING" })
      )
      expect(descending.items.map((e) => e.published)).toEqual(
        ["2025-01-15T08:30:00.000Z", "2025-01-15T08:29:58.000Z"]
      )
      const polling = Either.getOrThrow(SandboxOrg.listLogs(org, query))
      expect(polling.items).toHaveLength(2)
      expect(Option.isSome(polling.next)).toBe(true)
    })

    it("defaults since to 7 days before until", () => {
      const late = Either.getOrThrow(SandboxOrg.listLogs(org, { now: new Date("2025-01-30T00:00:00Z") }))
      expect(late.items).toEqual([])
      const soon = Either.getOrThrow(SandboxOrg.listLogs(org, { now }))
      expect(soon.items).toHaveLength(org.logs.length)
    })

    it("rejects invalid timestamps and filters", () => {
      const bad = SandboxOrg.listLogs(org, { since: "last tuesday", now })
      expect(Either.isLeft(bad) && bad.left._tag).toBe("InvalidLogQuery")
      const badFilter = SandboxOrg.listLogs(org, { filter: "actor.id eq", now })
      expect(Either.isLeft(badFilter) && badFilter.left._tag).toBe("SearchSyntaxError")
    })
  })

  describe("fromJson", () => {
    it("names the user and the field that is wrong", () => {
      const message = failure({
        users: [
          minimalUser("00u1", "a@example.com"),
          { user: { id: "00u2", status: "HAPPY", profile: { login: "b@example.com" } } }
        ]
      })
      expect(message).toContain("test.json")
      expect(message).toContain("users[1] (00u2, b@example.com).user.status: \"HAPPY\" is not a user status")
      expect(failure({ users: [{ user: { id: "00u3", status: "ACTIVE", profile: {} } }] })).toContain(
        "users[0] (00u3).user.profile.login: is missing"
      )
    })

    it("rejects unknown group ids, duplicate ids and logins differing only in case", () => {
      expect(failure({ users: [{ ...minimalUser("00u1", "a@example.com"), groupIds: ["00gmissing"] }] })).toContain(
        "users[0] (00u1, a@example.com).groupIds: no group has id 00gmissing"
      )
      expect(failure({ users: [minimalUser("00u1", "a@example.com"), minimalUser("00u1", "b@example.com")] }))
        .toContain("duplicate user id 00u1")
      expect(failure({ users: [minimalUser("00u1", "a@example.com"), minimalUser("00u2", "A@Example.com")] }))
        .toContain("already used")
      expect(failure({ users: "nope" })).toContain("users")
      expect(failure({
        users: [minimalUser("00u1", "a@example.com")],
        generatedGroups: [{ count: 2, idPrefix: "00gx", namePattern: "G{n}", members: ["00u9"] }]
      })).toContain("generatedGroups[0].members: no user has id 00u9")
    })

    it("generates groups from a compact rule and keeps user JSON verbatim", () => {
      const loaded = Either.getOrThrow(SandboxOrg.fromJson({
        users: [minimalUser("00u1", "a@example.com", { custom: { nested: true }, lastLogin: null })],
        generatedGroups: [{ count: 3, idPrefix: "00gx", namePattern: "Team {n}", members: ["00u1"] }]
      }))
      expect(Option.getOrThrow(SandboxOrg.listUserGroups(loaded, "00u1")).map((g) => [g.id, g.profile.name])).toEqual([
        ["00gx0000000000000001", "Team 1"],
        ["00gx0000000000000002", "Team 2"],
        ["00gx0000000000000003", "Team 3"]
      ])
      const json = Option.getOrThrow(SandboxOrg.getUser(loaded, "a"))
      expect(Object.keys(json)).toEqual(["id", "status", "profile", "custom", "lastLogin"])
      expect(json).toEqual({
        id: "00u1",
        status: "ACTIVE",
        profile: { login: "a@example.com", email: "a@example.com" },
        custom: { nested: true },
        lastLogin: null
      })
    })
  })

  describe("load", () => {
    const withFile = (content: string) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sandbox-org-"))
          const file = Path.join(dir, "org.json")
          Fs.writeFileSync(file, content)
          return file
        }),
        (file) => Effect.sync(() => Fs.rmSync(Path.dirname(file), { recursive: true, force: true }))
      )

    it.scoped("reads a seed file", () =>
      Effect.gen(function*() {
        const file = yield* withFile(JSON.stringify({ users: [minimalUser("00u1", "me@example.com")] }))
        const loaded = yield* SandboxOrg.load(file)
        expect(Option.map(SandboxOrg.getUser(loaded, "me"), (u) => u.id)).toEqual(Option.some("00u1"))
      }).pipe(Effect.provide(NodeFileSystem.layer)))

    it.scoped("fails with SandboxOrgError naming the file for missing files, bad JSON and invalid users", () =>
      Effect.gen(function*() {
        const missing = yield* Effect.flip(SandboxOrg.load("/nonexistent/org.json"))
        expect(missing.message).toContain("/nonexistent/org.json")
        expect(missing.message).toContain("cannot read")
        const broken = yield* withFile("{ users: ")
        const notJson = yield* Effect.flip(SandboxOrg.load(broken))
        expect(notJson.message).toContain("not valid JSON")
        const invalid = yield* withFile(JSON.stringify({ users: [{ user: { id: 1 } }] }))
        const error = yield* Effect.flip(SandboxOrg.load(invalid))
        expect(error._tag).toBe("SandboxOrgError")
        expect(error.message).toContain(invalid)
        expect(error.message).toContain("users[0]")
      }).pipe(Effect.provide(NodeFileSystem.layer)))
  })
})
