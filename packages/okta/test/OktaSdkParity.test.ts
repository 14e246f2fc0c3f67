/**
 * Parity: Okta's official Node SDK and our OktaClient, both pointed at the sandbox, read every user of the seed org,
 * their groups (all 450 of the largest membership), factors and roles, and get the same data field by field. The SDK
 * was written against the real Okta, so agreement shows the sandbox speaks Okta and not only our client's dialect.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Sandbox, SandboxOrg } from "@enrich/okta/testing"
import { Effect } from "effect"
import { collect, sdkClient } from "./support/oktaSdk.js"

const org = SandboxOrg.defaultOrg

/** The SDK turns timestamps into `Date`s; ours stay Okta's strings. Compare instants. */
const instant = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string | Date).toISOString()

const userView = (user: any) => ({
  id: user.id,
  status: user.status,
  created: instant(user.created),
  activated: instant(user.activated),
  statusChanged: instant(user.statusChanged),
  lastLogin: instant(user.lastLogin),
  lastUpdated: instant(user.lastUpdated),
  passwordChanged: instant(user.passwordChanged),
  login: user.profile?.login ?? null,
  email: user.profile?.email ?? null,
  firstName: user.profile?.firstName ?? null,
  lastName: user.profile?.lastName ?? null,
  title: user.profile?.title ?? null,
  department: user.profile?.department ?? null,
  manager: user.profile?.manager ?? null,
  managerId: user.profile?.managerId ?? null
})

const groupView = (group: any) => ({
  id: group.id,
  type: group.type,
  name: group.profile?.name,
  description: group.profile?.description ?? null
})

const factorView = (factor: any) => ({
  id: factor.id,
  factorType: factor.factorType,
  provider: factor.provider ?? null,
  status: factor.status,
  vendorName: factor.vendorName ?? null
})

const roleView = (role: any) => ({
  id: role.id ?? null,
  type: role.type,
  label: role.label ?? null,
  status: role.status,
  assignmentType: role.assignmentType ?? null
})

const withBoth = <A, E>(
  use: (ours: OktaClient.Service, sdk: ReturnType<typeof sdkClient>, sandbox: Sandbox.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.make()
    const ours = yield* OktaClient.make({ domain: sandbox.url, token: sandbox.token })
    return yield* use(ours, sdkClient(sandbox), sandbox)
  }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))

describe("Okta's Node SDK and our OktaClient read the same org from the sandbox", () => {
  it.live(
    "every seed user: the user, all groups, factors and roles, field by field",
    () =>
      withBoth((ours, sdk, sandbox) =>
        Effect.gen(function*() {
          let groupsCompared = 0
          let factorsCompared = 0
          let rolesCompared = 0
          for (const seedUser of org.users) {
            const id = seedUser.json.id
            const sdkUser = yield* Effect.promise(() => sdk.userApi.getUser({ userId: id }))
            const ourUser = yield* ours.getUser(id)
            expect(userView(ourUser), id).toEqual(userView(sdkUser))
            expect(ourUser.id).toBe(id)

            const sdkGroups = yield* collect(sdk.userApi.listUserGroups({ userId: id }))
            const ourGroups = yield* ours.listUserGroups(id)
            expect(ourGroups.complete).toBe(true)
            expect(ourGroups.items.map(groupView), id).toEqual(sdkGroups.map(groupView))
            expect(ourGroups.items.length).toBe(seedUser.groupIds.length)
            groupsCompared += ourGroups.items.length

            const sdkFactors = yield* collect(sdk.userFactorApi.listFactors({ userId: id }))
            const ourFactors = yield* ours.listFactors(id)
            expect(ourFactors.map(factorView), id).toEqual(sdkFactors.map(factorView))
            expect(ourFactors.length).toBe(seedUser.factors.length)
            factorsCompared += ourFactors.length

            const sdkRoles = yield* collect(sdk.roleAssignmentApi.listAssignedRolesForUser({ userId: id }))
            const ourRoles = yield* ours.listRoles(id)
            expect(ourRoles.map(roleView), id).toEqual(sdkRoles.map(roleView))
            rolesCompared += ourRoles.length
          }
          // The comparison covered real data: 450 groups of one user, factors of many, direct and group roles.
          expect(groupsCompared).toBeGreaterThan(450)
          expect(factorsCompared).toBeGreaterThan(20)
          expect(rolesCompared).toBeGreaterThanOrEqual(6)
          expect((yield* sandbox.counters).rateLimited).toBe(0)
        })
      ),
    60_000
  )

  it.live("the 450-group user: both follow Link rel=\"next\" over the same 3 pages", () =>
    withBoth((ours, sdk, sandbox) =>
      Effect.gen(function*() {
        const id = org.usersByLogin.get("paula.groups@example.com")!.json.id
        yield* sandbox.resetCounters
        const sdkGroups = yield* collect(sdk.userApi.listUserGroups({ userId: id }))
        const afterSdk = yield* sandbox.counters
        const ourGroups = yield* ours.listUserGroups(id)
        const afterOurs = yield* sandbox.counters
        expect(sdkGroups).toHaveLength(450)
        expect(ourGroups.items.map(groupView)).toEqual(sdkGroups.map(groupView))
        expect(afterSdk.byRoute["GET /api/v1/users/{id}/groups"]).toEqual({ "200": 3 })
        expect(afterOurs.byRoute["GET /api/v1/users/{id}/groups"]).toEqual({ "200": 6 })
      })
    ))

  it.live("logins, short names and email searches resolve to the same users", () =>
    withBoth((ours, sdk) =>
      Effect.gen(function*() {
        for (const idOrLogin of ["jsmith", "JSMITH@example.com", "nina+test@example.com", "josé.garcía@example.com"]) {
          const sdkUser = yield* Effect.promise(() => sdk.userApi.getUser({ userId: idOrLogin }))
          const ourUser = yield* ours.getUser(idOrLogin)
          expect(userView(ourUser), idOrLogin).toEqual(userView(sdkUser))
        }
        for (const email of ["mike.jones@example.com", "k.chan@mail.example.net", "owen.o'brien@example.com"]) {
          const search = `profile.email eq "${email.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"`
          const sdkUsers = yield* collect(sdk.userApi.listUsers({ search }))
          const ourUsers = yield* ours.findUsersByEmail(email)
          expect(ourUsers.items.map(userView), email).toEqual(sdkUsers.map(userView))
          expect(ourUsers.items.length).toBeGreaterThan(0)
        }
      })
    ))
})
