/**
 * Proof that the sandbox speaks Okta: Okta's official Node SDK, pointed at it, reads a user, all 450 groups of a user
 * (following `Link: rel="next"`), factors and roles (including a role held through a group).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { collect, sdkClient } from "./support/oktaSdk.js"

const org = SandboxOrg.defaultOrg
const idOf = (login: string) => org.usersByLogin.get(login)!.json.id

describe("Okta's Node SDK against the sandbox", () => {
  it.scoped("reads the product page's user, its groups, factors and roles", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const client = sdkClient(sandbox)

      const user = yield* Effect.promise(() => client.userApi.getUser({ userId: "jsmith@example.com" }))
      expect(user.id).toBe(idOf("jsmith@example.com"))
      expect(user.status).toBe("ACTIVE")
      expect(user.profile?.login).toBe("jsmith@example.com")
      expect(user.profile?.department).toBe("Engineering")
      expect(user.profile?.title).toBe("Senior Developer")
      expect(new Date(user.lastLogin!).toISOString()).toBe("2025-01-15T08:30:00.000Z")

      const groups = yield* collect(yield* Effect.promise(() => client.userApi.listUserGroups({ userId: user.id! })))
      expect(groups.map((group) => group.profile?.name)).toEqual(["Engineering", "VPN Users", "AWS Admins"])

      const factors = yield* collect(
        yield* Effect.promise(() => client.userFactorApi.listFactors({ userId: user.id! }))
      )
      expect(factors.map((factor: any) => [factor.factorType, factor.provider, factor.status])).toEqual([
        ["push", "OKTA", "ACTIVE"],
        ["token:software:totp", "GOOGLE", "ACTIVE"]
      ])

      const roles = yield* collect(
        yield* Effect.promise(() => client.roleAssignmentApi.listAssignedRolesForUser({ userId: user.id! }))
      )
      expect(roles).toEqual([])
    }))

  it.scoped("follows Link rel=\"next\" through all 450 groups", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const client = sdkClient(sandbox)
      const groups = yield* collect(
        yield* Effect.promise(() => client.userApi.listUserGroups({ userId: idOf("paula.groups@example.com") }))
      )
      expect(groups).toHaveLength(450)
      expect(new Set(groups.map((group) => group.id)).size).toBe(450)
      expect(groups[0].profile?.name).toBe("Project Team 1")
      expect(groups[449].profile?.name).toBe("Project Team 450")
      expect(groups[449].type).toBe("OKTA_GROUP")
      const counters = yield* sandbox.counters
      expect(counters.byRoute["GET /api/v1/users/{id}/groups"]).toEqual({ "200": 3 })
    }))

  it.scoped("sees admin roles assigned directly and through a group, and PENDING_ACTIVATION factors", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const client = sdkClient(sandbox)
      const rolesOf = (login: string) =>
        Effect.flatMap(
          Effect.promise(() => client.roleAssignmentApi.listAssignedRolesForUser({ userId: idOf(login) })),
          collect
        )
      const superAdmin = yield* rolesOf("alice.admin@example.com")
      expect(superAdmin.map((role: any) => [role.type, role.assignmentType])).toEqual([
        ["SUPER_ADMIN", "USER"],
        ["READ_ONLY_ADMIN", "GROUP"]
      ])
      const viaGroup = yield* rolesOf("bob.helpdesk@example.com")
      expect(viaGroup.map((role: any) => [role.type, role.assignmentType, role.label])).toEqual([
        ["HELP_DESK_ADMIN", "GROUP", "Help Desk Administrator"]
      ])
      const pending = yield* collect(
        yield* Effect.promise(() => client.userFactorApi.listFactors({ userId: idOf("irene.adler@example.com") }))
      )
      expect(pending.map((factor: any) => factor.status)).toEqual(
        ["PENDING_ACTIVATION", "PENDING_ACTIVATION", "PENDING_ACTIVATION"]
      )
    }))

  it.scoped("gets Okta's 404 error for an unknown user", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const client = sdkClient(sandbox)
      const error: any = yield* Effect.flip(
        Effect.tryPromise(() => client.userApi.getUser({ userId: "nobody@example.com" }))
      ).pipe(Effect.map((e) => e.cause))
      expect(error.status).toBe(404)
      expect(error.errorCode).toBe("E0000007")
    }))
})
