/**
 * Synthetic Okta orgs for the benchmarks, as seed JSON for `SandboxOrg.fromJson`: thousands of users shaped like
 * the bundled seed org's (full profile, credentials, two factors, a few groups, some admin roles), and optionally one
 * user in thousands of groups.
 *
 * Every user `n` (0-based) has a deterministic id ({@link userId}), login `user{n}@corp.example` and an email that is
 * NOT its login (`first.last{n}@mail.example`), so looking it up by email needs the search fallback.
 */
import * as SandboxOrg from "@enrich/okta/testing/SandboxOrg"
import * as Either from "effect/Either"

/** What to generate. */
export interface Spec {
  readonly users: number
  /** Size of the shared group pool (default 200). */
  readonly groups?: number | undefined
  /** Groups per user, taken from the pool (default 8: one page). */
  readonly groupsPerUser?: number | undefined
  /** When set, user 0 is also a member of this many generated groups (a "big account"). */
  readonly bigUserGroups?: number | undefined
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const base62 = (n: number, width: number): string => {
  let out = ""
  for (let i = 0; i < width; i++) {
    out = alphabet[n % 62] + out
    n = Math.floor(n / 62)
  }
  return out
}

/** The Okta id of user `n`: `00u` and 17 base-62 characters, so the provider recognizes it as an id. */
export const userId = (n: number): string => `00ubench${base62(n, 12)}`

/** The login of user `n`. */
export const login = (n: number): string => `user${n}@corp.example`

/** The email of user `n` (not its login: a lookup by email takes the search fallback). */
export const email = (n: number): string => `first.last${n}@mail.example`

const groupId = (n: number): string => `00gbench${base62(n, 12)}`

const firstNames = ["Ada", "Grace", "Alan", "Linus", "Barbara", "Ken", "Margaret", "Dennis"]
const lastNames = ["Lovelace", "Hopper", "Turing", "Torvalds", "Liskov", "Thompson", "Hamilton", "Ritchie"]
const departments = ["Engineering", "Finance", "Sales", "Support", "Legal", "IT"]

const roleTypes = ["ORG_ADMIN", "HELP_DESK_ADMIN", "READ_ONLY_ADMIN", "APP_ADMIN"]

/** The user `n` of an org whose id is {@link userId}`(n)`, or `undefined` for other ids. */
export const userIndex = (id: string): number | undefined => {
  if (!/^00ubench[0-9A-Za-z]{12}$/.test(id)) return undefined
  let n = 0
  for (const c of id.slice(8)) n = n * 62 + alphabet.indexOf(c)
  return n
}

/** The indices (in the group pool) of the groups of user `n`. */
export const groupIndices = (n: number, groups: number, groupsPerUser: number): ReadonlyArray<number> =>
  Array.from({ length: Math.min(groupsPerUser, groups) }, (_, i) => (n * 7 + i * 13) % groups)
    .filter((g, i, all) => all.indexOf(g) === i)

/** Seed entry of user `n` (Okta's user JSON, group ids, factors, direct roles). */
export const seedUser = (n: number, groups: number, groupsPerUser: number) => {
  const first = firstNames[n % firstNames.length]
  const last = lastNames[(n >> 3) % lastNames.length]
  const id = userId(n)
  return {
    user: {
      id,
      status: n % 97 === 0 ? "SUSPENDED" : "ACTIVE",
      created: "2019-06-03T09:00:00.000Z",
      activated: "2019-06-03T09:05:00.000Z",
      statusChanged: "2019-06-03T09:05:00.000Z",
      lastLogin: "2025-01-15T08:30:00.000Z",
      lastUpdated: "2024-12-01T10:00:00.000Z",
      passwordChanged: "2019-06-03T09:10:00.000Z",
      type: { id: "otyQVMqJTTmhcYwgAyIW" },
      profile: {
        firstName: first,
        lastName: last,
        mobilePhone: null,
        secondEmail: null,
        login: login(n),
        email: email(n),
        department: departments[n % departments.length],
        title: "Engineer",
        displayName: `${first} ${last}`,
        employeeNumber: String(10_000 + n),
        manager: "Maria Garcia",
        managerId: userId(0),
        city: "San Francisco",
        countryCode: "US"
      },
      credentials: { password: {}, provider: { type: "OKTA", name: "OKTA" } }
    },
    groupIds: groupIndices(n, groups, groupsPerUser).map(groupId),
    factors: [
      {
        id: `opf${base62(n, 17)}`,
        factorType: "push",
        provider: "OKTA",
        vendorName: "OKTA",
        status: "ACTIVE",
        created: "2023-01-10T09:00:00.000Z",
        lastUpdated: "2023-01-10T09:00:00.000Z",
        profile: { credentialId: login(n), deviceType: "SmartPhone_IPhone", name: "iPhone", platform: "IOS" }
      },
      {
        id: `ost${base62(n, 17)}`,
        factorType: "token:software:totp",
        provider: "GOOGLE",
        vendorName: "GOOGLE",
        status: n % 5 === 0 ? "PENDING_ACTIVATION" : "ACTIVE",
        created: "2023-01-10T09:00:00.000Z",
        lastUpdated: "2023-01-10T09:00:00.000Z",
        profile: { credentialId: login(n) }
      }
    ],
    roles: n % 50 === 0
      ? [{
        id: `ra1${base62(n, 17)}`,
        label: "Administrator",
        type: roleTypes[(n / 50) % roleTypes.length],
        status: "ACTIVE",
        created: "2023-03-01T10:00:00.000Z",
        lastUpdated: "2023-03-01T10:00:00.000Z",
        assignmentType: "USER"
      }]
      : []
  }
}

/** Seed entry of group `n` of the pool (every 40th holds an admin role). */
export const seedGroup = (n: number) => ({
  group: {
    id: groupId(n),
    created: "2020-05-01T12:00:00.000Z",
    lastUpdated: "2020-05-01T12:00:00.000Z",
    lastMembershipUpdated: "2024-12-01T10:00:00.000Z",
    objectClass: ["okta:user_group"],
    type: "OKTA_GROUP",
    profile: { name: `Team ${n}`, description: `Synthetic group ${n}` }
  },
  roles: n % 40 === 0
    ? [{
      id: `ra1g${base62(n, 16)}`,
      label: "Help Desk Administrator",
      type: "HELP_DESK_ADMIN",
      status: "ACTIVE",
      created: "2023-03-01T10:00:00.000Z",
      lastUpdated: "2023-03-01T10:00:00.000Z",
      assignmentType: "GROUP"
    }]
    : []
})

/** The seed JSON of a synthetic org. */
export const seed = (spec: Spec): unknown => {
  const groups = spec.groups ?? 200
  const groupsPerUser = spec.groupsPerUser ?? 8
  return {
    users: Array.from({ length: spec.users }, (_, n) => seedUser(n, groups, groupsPerUser)),
    groups: Array.from({ length: groups }, (_, n) => seedGroup(n)),
    generatedGroups: spec.bigUserGroups === undefined ? [] : [{
      count: spec.bigUserGroups,
      idPrefix: "00gbig",
      namePattern: "Big group {n}",
      members: [userId(0)]
    }]
  }
}

/** A synthetic org, built and validated. Throws on an invalid spec (a bug in this file). */
export const make = (spec: Spec): SandboxOrg.Org =>
  Either.getOrThrowWith(SandboxOrg.fromJson(seed(spec), "synthetic org"), (error) => new Error(error.message))
