import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Provider from "@enrich/core/Provider"
import { OktaClient } from "@enrich/okta/OktaClient"
import type * as OktaClientModule from "@enrich/okta/OktaClient"
import * as OktaError from "@enrich/okta/OktaError"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as OktaResources from "@enrich/okta/OktaResources"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { readFileSync } from "node:fs"

// --- Fixtures: decoded through the real schemas, so defaults apply as they would for a live response -------------

const user = (input: unknown) => Schema.decodeUnknownSync(OktaResources.OktaUser)(input)
const group = (id: string, name: string) => Schema.decodeUnknownSync(OktaResources.OktaGroup)({ id, profile: { name } })
const factor = (factorType: string, status: string, provider = "OKTA") =>
  Schema.decodeUnknownSync(OktaResources.OktaFactor)({ id: `mfa${factorType}${status}`, factorType, status, provider })
const role = (type: string, assignmentType: string, status = "ACTIVE", label: string | null = type) =>
  Schema.decodeUnknownSync(OktaResources.OktaRoleAssignment)({ id: `ra-${type}`, type, label, status, assignmentType })

const JSMITH_ID = "00ub0oNGTSWTBKOLGLNR"
const jsmith = user({
  id: JSMITH_ID,
  status: "ACTIVE",
  created: "2013-06-24T16:39:18.000Z",
  activated: "2013-06-24T16:39:19.000Z",
  statusChanged: "2013-06-24T16:39:19.000Z",
  lastLogin: "2025-01-15T08:30:00.000Z",
  lastUpdated: "2024-11-02T10:11:12.345Z",
  passwordChanged: "2024-10-01T09:00:00.000Z",
  profile: {
    login: "jsmith@example.com",
    email: "jsmith@example.com",
    firstName: "John",
    lastName: "Smith",
    department: "Engineering",
    title: "Senior Developer",
    manager: "Jane Doe",
    costCenter: "R&D"
  }
})
const jsmithGroups = [group("00g1", "Engineering"), group("00g2", "VPN Users"), group("00g3", "AWS Admins")]
const jsmithFactors = [
  factor("push", "ACTIVE"),
  factor("token:software:totp", "ACTIVE", "GOOGLE"),
  factor("sms", "PENDING_ACTIVATION")
]

// Login differs from email: only the email search finds her.
const ALICE_ID = "00ua11ceAAAAAAAAAAAA"
const alice = user({
  id: ALICE_ID,
  status: "ACTIVE",
  profile: { login: "asmith@corp.example", email: "alice@example.com", firstName: "Alice", lastName: "Smith" }
})

const BOB_ID = "00ub0bBBBBBBBBBBBBBB"
const bob = user({
  id: BOB_ID,
  status: "DEPROVISIONED",
  statusChanged: "2024-12-01T00:00:00.000Z",
  profile: { login: "bob.old@corp.example", email: "bob@example.com" }
})

const TWIN_A = "00utw1nAAAAAAAAAAAAA"
const TWIN_B = "00utw1nBBBBBBBBBBBBB"
const twinA = user({ id: TWIN_A, status: "ACTIVE", profile: { login: "sam.a@corp.example", email: "sam@example.com" } })
const twinB = user({
  id: TWIN_B,
  status: "SUSPENDED",
  profile: { login: "sam.b@corp.example", email: "sam@example.com" }
})

// --- A fake OktaClient: an in-memory org, every call taking one `latency`, recording when it started --------------

type Operation = keyof OktaClientModule.Service

interface Call {
  readonly op: Operation
  readonly arg: string
  /** When the call started, in round trips since the lookup began. */
  readonly round: number
}

interface Org {
  readonly users: ReadonlyArray<OktaResources.OktaUser>
  readonly groups?: Record<string, ReadonlyArray<OktaResources.OktaGroup>>
  readonly factors?: Record<string, ReadonlyArray<OktaResources.OktaFactor>>
  readonly roles?: Record<string, ReadonlyArray<OktaResources.OktaRoleAssignment>>
  /** Operations that fail, whatever they are asked. */
  readonly failures?: Partial<Record<Operation, OktaError.OktaError>>
  /** Makes the email search stop early with this reason. */
  readonly searchIncomplete?: string
  /** Makes the group listing stop early with this reason. */
  readonly groupsIncomplete?: string
}

const latency = Duration.millis(100)

const notFound = (operation: string) => new OktaError.OktaNotFound({ operation, errorCode: "E0000007" })

const fakeOkta = (org: Org) => {
  const calls: Array<Call> = []
  let inFlight = 0
  let maxInFlight = 0

  const call = <A>(op: Operation, arg: string, answer: () => Either.Either<A, OktaError.OktaError>) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      calls.push({ op, arg, round: now / Duration.toMillis(latency) })
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      yield* Effect.sleep(latency)
      const failure = org.failures?.[op]
      return yield* failure ? Either.left(failure) : answer()
    }).pipe(Effect.ensuring(Effect.sync(() => inFlight--)))

  const byId = (id: string) => org.users.find((u) => u.id === id)
  const related = <A>(table: Record<string, A> | undefined, userId: string, operation: string) =>
    byId(userId) ? Either.right(table?.[userId] ?? ([] as unknown as A)) : Either.left(notFound(operation))

  const service = OktaClient.of({
    getUser: (idOrLogin) =>
      call("getUser", idOrLogin, () => {
        const wanted = idOrLogin.toLowerCase()
        const shortName = org.users.filter((u) => (u.profile.login ?? "").toLowerCase().split("@")[0] === wanted)
        const found = byId(idOrLogin) ?? org.users.find((u) => (u.profile.login ?? "").toLowerCase() === wanted) ??
          (shortName.length === 1 ? shortName[0] : undefined)
        return found ? Either.right(found) : Either.left(notFound("GET /api/v1/users/{idOrLogin}"))
      }),
    findUsersByEmail: (email) =>
      call("findUsersByEmail", email, () => {
        const items = org.users.filter((u) => u.profile.email?.toLowerCase() === email.toLowerCase())
        return Either.right(
          org.searchIncomplete === undefined
            ? { items, complete: true }
            : { items, complete: false, incompleteReason: org.searchIncomplete }
        )
      }),
    listUserGroups: (userId) =>
      call("listUserGroups", userId, () =>
        Either.map(
          related(org.groups, userId, "GET /api/v1/users/{id}/groups"),
          (items): OktaClientModule.Listing<OktaResources.OktaGroup> =>
            org.groupsIncomplete === undefined
              ? { items, complete: true }
              : { items, complete: false, incompleteReason: org.groupsIncomplete }
        )),
    listFactors: (userId) =>
      call("listFactors", userId, () => related(org.factors, userId, "GET /api/v1/users/{userId}/factors")),
    listRoles: (userId) =>
      call("listRoles", userId, () => related(org.roles, userId, "GET /api/v1/users/{userId}/roles"))
  })

  return {
    layer: Layer.succeed(OktaClient, service),
    calls,
    get maxInFlight() {
      return maxInFlight
    }
  }
}

type Fake = ReturnType<typeof fakeOkta>

/**
 * Looks `value` up through the provider, moving the TestClock one latency at a time: `roundTrips` is how many
 * latencies passed before the answer was there.
 */
const lookup = (fake: Fake, value: string, options?: OktaProvider.Options) =>
  Effect.gen(function*() {
    const provider = yield* OktaProvider.make(options).pipe(Effect.provide(fake.layer))
    const indicator = yield* Indicator.account(value)
    const fiber = yield* Effect.fork(Effect.either(provider.enrich(indicator)))
    let roundTrips = 0
    let result = yield* Fiber.poll(fiber)
    while (Option.isNone(result) && roundTrips < 10) {
      yield* TestClock.adjust(latency)
      roundTrips++
      result = yield* Fiber.poll(fiber)
    }
    const exit = Option.getOrThrow(result)
    const outcome = yield* exit
    return { outcome, roundTrips, provider }
  })

const found = (outcome: Either.Either<Provider.Lookup, Provider.ProviderError>): Provider.Found => {
  if (Either.isLeft(outcome)) throw new Error(`expected Found, got ${outcome.left.message}`)
  if (outcome.right._tag !== "Found") throw new Error("expected Found, got NotFound")
  return outcome.right
}

const failure = (outcome: Either.Either<Provider.Lookup, Provider.ProviderError>): Provider.ProviderError => {
  if (Either.isRight(outcome)) throw new Error(`expected ProviderError, got ${outcome.right._tag}`)
  return outcome.left
}

const jsmithOrg: Org = {
  users: [jsmith, alice, bob, twinA, twinB],
  groups: { [JSMITH_ID]: jsmithGroups },
  factors: { [JSMITH_ID]: jsmithFactors },
  roles: { [JSMITH_ID]: [] }
}

const productPageFields = [
  "status",
  "last_login",
  "groups",
  "mfa_enrolled",
  "mfa_factors",
  "is_admin",
  "department",
  "title"
] as const

const pick = (extracted: Record<string, unknown>, keys: ReadonlyArray<string>) =>
  Object.fromEntries(keys.map((key) => [key, extracted[key]]))

describe("OktaProvider", () => {
  describe("the product page's example", () => {
    it.effect("jsmith@example.com yields exactly the example's fields", () =>
      Effect.gen(function*() {
        const { outcome } = yield* lookup(fakeOkta(jsmithOrg), "jsmith@example.com")
        const result = found(outcome)
        expect(pick(result.extracted, productPageFields)).toStrictEqual({
          status: "ACTIVE",
          last_login: "2025-01-15T08:30:00Z",
          groups: ["Engineering", "VPN Users", "AWS Admins"],
          mfa_enrolled: true,
          mfa_factors: ["push", "totp"],
          is_admin: false,
          department: "Engineering",
          title: "Senior Developer"
        })
        expect(result.warnings).toStrictEqual([])
        expect(result.isPartial).toBe(false)
      }))

    it.effect("extracts the full field set in snake_case, and the raw Okta objects", () =>
      Effect.gen(function*() {
        const { outcome } = yield* lookup(fakeOkta(jsmithOrg), "jsmith@example.com", { keepRaw: "always" })
        const result = found(outcome)
        expect(result.extracted).toStrictEqual({
          found: true,
          user_id: JSMITH_ID,
          login: "jsmith@example.com",
          email: "jsmith@example.com",
          first_name: "John",
          last_name: "Smith",
          status: "ACTIVE",
          created: "2013-06-24T16:39:18Z",
          last_login: "2025-01-15T08:30:00Z",
          status_changed: "2013-06-24T16:39:19Z",
          password_changed: "2024-10-01T09:00:00Z",
          last_updated: "2024-11-02T10:11:12.345Z",
          department: "Engineering",
          title: "Senior Developer",
          manager: "Jane Doe",
          groups: ["Engineering", "VPN Users", "AWS Admins"],
          mfa_enrolled: true,
          mfa_factors: ["push", "totp"],
          mfa_factors_pending: ["sms"],
          is_admin: false,
          admin_roles: []
        })
        // raw is what Okta sent, not the decoded objects (no defaults filled in, nothing dropped).
        expect(result.raw).toStrictEqual({
          user: jsmith.raw,
          groups: jsmithGroups.map((g) => g.raw),
          factors: jsmithFactors.map((f) => f.raw),
          roles: []
        })
      }))
  })

  it.effect("Okta's official examples (user, groups, factors, roles) extract as documented", () =>
    Effect.gen(function*() {
      const spec = JSON.parse(
        readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8")
      ) as { components: { examples: Record<string, { value: unknown }> } }
      const example = (name: string) => spec.components.examples[name].value
      const official = user(example("user-example"))
      const decodeList = <A, I>(schema: Schema.Schema<A, I>, name: string) =>
        Schema.decodeUnknownSync(Schema.Array(schema))(example(name))
      const org: Org = {
        users: [official],
        groups: { [official.id]: decodeList(OktaResources.OktaGroup, "ListUserGroups") },
        factors: { [official.id]: decodeList(OktaResources.OktaFactor, "ListFactorsResults") },
        roles: { [official.id]: decodeList(OktaResources.OktaRoleAssignment, "StandardAndCustomRolesListResponse") }
      }
      const { outcome } = yield* lookup(fakeOkta(org), "Isaac.Brock@example.com")
      const extracted = found(outcome).extracted
      expect(pick(extracted, [...productPageFields, "created", "login"])).toStrictEqual({
        status: "ACTIVE",
        last_login: "2013-06-24T17:39:19Z",
        groups: ["Cloud app users", "Internal app users"],
        mfa_enrolled: true,
        // The TOTP factor is PENDING_ACTIVATION in the example: enrolled, not protecting.
        mfa_factors: ["question", "sms"],
        is_admin: true,
        department: "Engineering",
        title: "Director",
        created: "2013-06-24T16:39:18Z",
        login: "isaac.brock@example.com"
      })
      expect(extracted.mfa_factors_pending).toStrictEqual(["totp"])
      expect(extracted.admin_roles).toHaveLength(6)
      expect(extracted.admin_roles).toContainEqual({
        type: "API_ACCESS_MANAGEMENT_ADMIN",
        label: "API Access Management administrator",
        assignment_type: "GROUP"
      })
    }))

  describe("matching, with the fewest calls", () => {
    it.effect("an Okta user id: the user, groups, factors and roles are requested at once (one round trip)", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome, roundTrips } = yield* lookup(fake, JSMITH_ID)
        expect(found(outcome).extracted.login).toBe("jsmith@example.com")
        expect(roundTrips).toBe(1)
        expect(fake.maxInFlight).toBe(4)
        expect(fake.calls).toHaveLength(4)
        expect(new Set(fake.calls.map((c) => c.op))).toStrictEqual(
          new Set(["getUser", "listUserGroups", "listFactors", "listRoles"])
        )
        expect(fake.calls.every((c) => c.arg === JSMITH_ID && c.round === 0)).toBe(true)
      }))

    it.effect("a login: getUser, then groups, factors and roles concurrently (two round trips)", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome, roundTrips } = yield* lookup(fake, "JSmith@Example.com")
        expect(found(outcome).extracted.user_id).toBe(JSMITH_ID)
        expect(roundTrips).toBe(2)
        expect(fake.calls[0]).toStrictEqual({ op: "getUser", arg: "jsmith@example.com", round: 0 })
        expect(fake.calls.slice(1).map((c) => [c.op, c.arg, c.round]).sort()).toStrictEqual([
          ["listFactors", JSMITH_ID, 1],
          ["listRoles", JSMITH_ID, 1],
          ["listUserGroups", JSMITH_ID, 1]
        ])
        expect(fake.calls).toHaveLength(4)
        expect(fake.maxInFlight).toBe(3)
      }))

    it.effect("a short name is fetched as a login, Okta resolves it", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome, roundTrips } = yield* lookup(fake, "jsmith")
        expect(found(outcome).extracted.user_id).toBe(JSMITH_ID)
        expect(roundTrips).toBe(2)
        expect(fake.calls.map((c) => c.op)).not.toContain("findUsersByEmail")
      }))

    it.effect("an email that is no login: getUser 404, search by email, then the related reads (three round trips)", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome, roundTrips } = yield* lookup(fake, "alice@example.com")
        const result = found(outcome)
        expect(result.extracted.user_id).toBe(ALICE_ID)
        expect(result.extracted.login).toBe("asmith@corp.example")
        expect(roundTrips).toBe(3)
        expect(fake.calls.slice(0, 2)).toStrictEqual([
          { op: "getUser", arg: "alice@example.com", round: 0 },
          { op: "findUsersByEmail", arg: "alice@example.com", round: 1 }
        ])
        expect(fake.calls.slice(2).map((c) => [c.op, c.arg, c.round]).sort()).toStrictEqual([
          ["listFactors", ALICE_ID, 2],
          ["listRoles", ALICE_ID, 2],
          ["listUserGroups", ALICE_ID, 2]
        ])
        expect(fake.calls).toHaveLength(5)
      }))

    it.effect("the email search finds a DEPROVISIONED user", () =>
      Effect.gen(function*() {
        const { outcome } = yield* lookup(fakeOkta(jsmithOrg), "bob@example.com")
        const result = found(outcome)
        expect(result.extracted.user_id).toBe(BOB_ID)
        expect(result.extracted.status).toBe("DEPROVISIONED")
        expect(result.extracted.status_changed).toBe("2024-12-01T00:00:00Z")
      }))

    it.effect("5,000 users with the email: the first 5 ids and the count, not a 110 KB message", () =>
      Effect.gen(function*() {
        const many = Array.from(
          { length: 5000 },
          (_, i) =>
            user({ id: `00u${String(i).padStart(17, "0")}`, status: "ACTIVE", profile: { email: "all@example.com" } })
        )
        const { outcome } = yield* lookup(fakeOkta({ users: many }), "all@example.com")
        const error = failure(outcome)
        expect(error.message).toBe(
          `ambiguous: 5000 Okta users have email all@example.com: ${many.slice(0, 5).map((u) => u.id).join(", ")} ` +
            "and 4995 more"
        )
      }))

    it.effect("several users with the email: a failure naming the candidates, never the first one", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome } = yield* lookup(fake, "sam@example.com")
        const error = failure(outcome)
        expect(error.message).toBe(`ambiguous: 2 Okta users have email sam@example.com: ${TWIN_A}, ${TWIN_B}`)
        expect(error.provider).toBe("okta")
        expect(fake.calls.map((c) => c.op)).toStrictEqual(["getUser", "findUsersByEmail"])
      }))

    it.effect("an incomplete email search is not trusted, even with one match", () =>
      Effect.gen(function*() {
        const fake = fakeOkta({ ...jsmithOrg, searchIncomplete: "the page bound was reached" })
        const { outcome } = yield* lookup(fake, "alice@example.com")
        expect(failure(outcome).message).toBe(
          "the search for Okta users with email alice@example.com is incomplete: the page bound was reached"
        )
        expect(fake.calls.map((c) => c.op)).toStrictEqual(["getUser", "findUsersByEmail"])
      }))

    it.effect("an email nobody has: NotFound after the login and the search", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome } = yield* lookup(fake, "nobody@example.com")
        expect(Either.getOrThrow(outcome)).toStrictEqual(new Provider.NotFound())
        expect(fake.calls.map((c) => c.op)).toStrictEqual(["getUser", "findUsersByEmail"])
      }))

    it.effect("an unknown login that is no email: NotFound after one call, no search", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome, roundTrips } = yield* lookup(fake, "nobody")
        expect(Either.getOrThrow(outcome)._tag).toBe("NotFound")
        expect(roundTrips).toBe(1)
        expect(fake.calls).toStrictEqual([{ op: "getUser", arg: "nobody", round: 0 }])
      }))

    it.effect("an unknown id: NotFound, the related requests' 404s are ignored", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const { outcome, roundTrips } = yield* lookup(fake, "00uNOBODYNOBODYNOBOD")
        expect(Either.getOrThrow(outcome)._tag).toBe("NotFound")
        expect(roundTrips).toBe(1)
        expect(fake.calls).toHaveLength(4)
        expect(fake.calls.map((c) => c.op)).not.toContain("findUsersByEmail")
      }))

    it.effect("a value that only resembles an id (wrong length) is fetched as a login", () =>
      Effect.gen(function*() {
        expect(OktaProvider.isUserId(JSMITH_ID)).toBe(true)
        expect(OktaProvider.isUserId(`${JSMITH_ID}X`)).toBe(false)
        expect(OktaProvider.isUserId("00gb0oNGTSWTBKOLGLNR")).toBe(false)
        const fake = fakeOkta(jsmithOrg)
        yield* lookup(fake, "00ushort")
        expect(fake.calls).toStrictEqual([{ op: "getUser", arg: "00ushort", round: 0 }])
      }))
  })

  describe("MFA factors", () => {
    it.effect("normalizes every Okta factor type, keeps unknown ones, de-duplicates in a stable order", () =>
      Effect.gen(function*() {
        const types = [
          "push",
          "token:software:totp",
          "token:hotp",
          "sms",
          "call",
          "email",
          "question",
          "webauthn",
          "u2f",
          "signed_nonce",
          "token:hardware",
          "token",
          "web",
          "okta:new_factor"
        ]
        const org: Org = {
          users: [jsmith],
          factors: { [JSMITH_ID]: [...types.map((t) => factor(t, "ACTIVE")), factor("push", "ACTIVE", "DUO")] }
        }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        expect(found(outcome).extracted.mfa_factors).toStrictEqual([
          "push",
          "totp",
          "hotp",
          "sms",
          "call",
          "email",
          "question",
          "webauthn",
          "u2f",
          "fastpass",
          "hardware_token",
          "token",
          "web",
          "okta:new_factor"
        ])
        expect(found(outcome).extracted.mfa_enrolled).toBe(true)
      }))

    it.effect("PENDING_ACTIVATION factors do not count as enrolled; NOT_SETUP is not even pending", () =>
      Effect.gen(function*() {
        const org: Org = {
          users: [jsmith],
          factors: {
            [JSMITH_ID]: [
              factor("push", "PENDING_ACTIVATION"),
              factor("sms", "NOT_SETUP"),
              factor("token:software:totp", "PENDING_ACTIVATION")
            ]
          }
        }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        const extracted = found(outcome).extracted
        expect(extracted.mfa_enrolled).toBe(false)
        expect(extracted.mfa_factors).toStrictEqual([])
        expect(extracted.mfa_factors_pending).toStrictEqual(["push", "totp"])
      }))

    it.effect("a factor without a status does not count as enrolled (a missing field is not MFA)", () =>
      Effect.gen(function*() {
        const noStatus = Schema.decodeUnknownSync(OktaResources.OktaFactor)({ id: "mfa-nostatus", factorType: "push" })
        expect(noStatus.status).toBeNull()
        const org: Org = { users: [jsmith], factors: { [JSMITH_ID]: [noStatus] } }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        const extracted = found(outcome).extracted
        expect(extracted.mfa_enrolled).toBe(false)
        expect(extracted.mfa_factors).toStrictEqual([])
        expect(extracted.mfa_factors_pending).toStrictEqual(["push"])
      }))

    it.effect("no factors at all: not enrolled (a known false, not null)", () =>
      Effect.gen(function*() {
        const { outcome } = yield* lookup(fakeOkta({ users: [jsmith] }), JSMITH_ID)
        const extracted = found(outcome).extracted
        expect(extracted.mfa_enrolled).toBe(false)
        expect(extracted.mfa_factors).toStrictEqual([])
        expect(extracted.mfa_factors_pending).toStrictEqual([])
      }))
  })

  describe("admin roles", () => {
    it.effect("a role assigned through a group makes an admin; INACTIVE roles do not; unknown types are kept", () =>
      Effect.gen(function*() {
        const org: Org = {
          users: [jsmith],
          roles: {
            [JSMITH_ID]: [
              role("READ_ONLY_ADMIN", "GROUP", "ACTIVE", "Read-only Administrator"),
              role("SUPER_ADMIN", "USER", "INACTIVE"),
              role("SHINY_NEW_ADMIN", "USER", "ACTIVE", null)
            ]
          }
        }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        const extracted = found(outcome).extracted
        expect(extracted.is_admin).toBe(true)
        expect(extracted.admin_roles).toStrictEqual([
          { type: "READ_ONLY_ADMIN", label: "Read-only Administrator", assignment_type: "GROUP" },
          { type: "SHINY_NEW_ADMIN", label: null, assignment_type: "USER" }
        ])
      }))

    it.effect("only INACTIVE roles: not an admin", () =>
      Effect.gen(function*() {
        const org: Org = { users: [jsmith], roles: { [JSMITH_ID]: [role("SUPER_ADMIN", "GROUP", "INACTIVE")] } }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        expect(found(outcome).extracted.is_admin).toBe(false)
        expect(found(outcome).extracted.admin_roles).toStrictEqual([])
      }))
  })

  describe("unknown is null", () => {
    it.effect("absent profile attributes and timestamps are null", () =>
      Effect.gen(function*() {
        const bare = user({ id: JSMITH_ID, status: "STAGED", profile: { login: "new@example.com" } })
        const { outcome } = yield* lookup(fakeOkta({ users: [bare] }), JSMITH_ID)
        expect(pick(found(outcome).extracted, [
          "email",
          "first_name",
          "last_name",
          "department",
          "title",
          "manager",
          "created",
          "last_login",
          "status_changed",
          "password_changed",
          "last_updated"
        ])).toStrictEqual({
          email: null,
          first_name: null,
          last_name: null,
          department: null,
          title: null,
          manager: null,
          created: null,
          last_login: null,
          status_changed: null,
          password_changed: null,
          last_updated: null
        })
      }))

    it.effect("a group read twice (a pagination glitch) is one membership", () =>
      Effect.gen(function*() {
        const org: Org = { users: [jsmith], groups: { [JSMITH_ID]: [...jsmithGroups, group("00g2", "VPN Users")] } }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        expect(found(outcome).extracted.groups).toStrictEqual(["Engineering", "VPN Users", "AWS Admins"])
      }))
  })

  describe("partial results", () => {
    it.effect("factors forbidden for lack of a scope: MFA fields null, a warning, not cached", () =>
      Effect.gen(function*() {
        const org: Org = {
          ...jsmithOrg,
          failures: {
            listFactors: new OktaError.OktaForbidden({
              operation: "GET /api/v1/users/{userId}/factors",
              missingScope: "okta.users.read"
            })
          }
        }
        const { outcome, provider } = yield* lookup(fakeOkta(org), "jsmith@example.com", { keepRaw: "always" })
        const result = found(outcome)
        expect(pick(result.extracted, ["mfa_enrolled", "mfa_factors", "mfa_factors_pending"])).toStrictEqual({
          mfa_enrolled: null,
          mfa_factors: null,
          mfa_factors_pending: null
        })
        expect(result.extracted.groups).toStrictEqual(["Engineering", "VPN Users", "AWS Admins"])
        expect(result.extracted.is_admin).toBe(false)
        expect(result.extracted.status).toBe("ACTIVE")
        expect(result.warnings).toStrictEqual([
          "factors: Okta forbade GET /api/v1/users/{userId}/factors: the token lacks the scope okta.users.read"
        ])
        expect(result.raw).toMatchObject({ factors: null, roles: [] })
        expect(result.isPartial).toBe(true)
        expect(Duration.toMillis(Provider.ttlOf(provider, "account", result))).toBe(0)
      }))

    it.effect("groups, factors and roles all failing: only the user's own fields, three warnings", () =>
      Effect.gen(function*() {
        const org: Org = {
          ...jsmithOrg,
          failures: {
            listUserGroups: new OktaError.OktaRateLimited({
              operation: "GET /api/v1/users/{id}/groups",
              bucket: "GET /api/v1/users/{id}/groups"
            }),
            listFactors: new OktaError.OktaTransient({
              operation: "GET /api/v1/users/{userId}/factors",
              reason: "HTTP 503",
              attempts: 4,
              requestId: "req-1"
            }),
            listRoles: new OktaError.OktaForbidden({
              operation: "GET /api/v1/users/{userId}/roles",
              missingScope: "okta.roles.read"
            })
          }
        }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID, { keepRaw: "always" })
        const result = found(outcome)
        expect(pick(result.extracted, [
          "status",
          "groups",
          "mfa_enrolled",
          "mfa_factors",
          "mfa_factors_pending",
          "is_admin",
          "admin_roles"
        ])).toStrictEqual({
          status: "ACTIVE",
          groups: null,
          mfa_enrolled: null,
          mfa_factors: null,
          mfa_factors_pending: null,
          is_admin: null,
          admin_roles: null
        })
        expect(result.warnings).toStrictEqual([
          "groups: Okta rate limit reached for GET /api/v1/users/{id}/groups",
          "factors: Okta request GET /api/v1/users/{userId}/factors failed after 4 attempts: HTTP 503 " +
          "(X-Okta-Request-Id req-1)",
          "roles: Okta forbade GET /api/v1/users/{userId}/roles: the token lacks the scope okta.roles.read"
        ])
        expect(result.raw).toStrictEqual({ user: jsmith.raw, groups: null, factors: null, roles: null })
      }))

    it.effect("an incomplete group listing: the names read, and a warning", () =>
      Effect.gen(function*() {
        const org: Org = { ...jsmithOrg, groupsIncomplete: "Okta repeated the same next cursor" }
        const { outcome } = yield* lookup(fakeOkta(org), JSMITH_ID)
        const result = found(outcome)
        expect(result.extracted.groups).toStrictEqual(["Engineering", "VPN Users", "AWS Admins"])
        expect(result.warnings).toStrictEqual([
          "groups: the list is incomplete, 3 groups were read: Okta repeated the same next cursor"
        ])
        expect(result.isPartial).toBe(true)
      }))

    it.effect("a complete result is cached for the account TTL", () =>
      Effect.gen(function*() {
        const { outcome, provider } = yield* lookup(fakeOkta(jsmithOrg), JSMITH_ID)
        expect(Duration.toMillis(Provider.ttlOf(provider, "account", found(outcome)))).toBe(3_600_000)
      }))
  })

  describe("errors of the user lookup", () => {
    const errors: ReadonlyArray<OktaError.OktaError> = [
      new OktaError.OktaUnauthorized({ operation: "GET /api/v1/users/{idOrLogin}", errorCode: "E0000011" }),
      new OktaError.OktaRateLimited({ operation: "GET /api/v1/users/{idOrLogin}", bucket: "GET /api/v1/users/{id}" }),
      new OktaError.OktaTransient({ operation: "GET /api/v1/users/{idOrLogin}", reason: "timeout after 10s" }),
      new OktaError.OktaInvalidResponse({ operation: "GET /api/v1/users/{idOrLogin}", problem: "status: is missing" }),
      new OktaError.OktaForbidden({ operation: "GET /api/v1/users/{idOrLogin}" })
    ]

    for (const error of errors) {
      it.effect(`${error._tag} becomes a ProviderError with its message and cause (login and id paths)`, () =>
        Effect.gen(function*() {
          for (const value of ["jsmith@example.com", JSMITH_ID]) {
            const { outcome } = yield* lookup(fakeOkta({ ...jsmithOrg, failures: { getUser: error } }), value)
            const providerError = failure(outcome)
            expect(providerError).toBeInstanceOf(Provider.ProviderError)
            expect(providerError.message).toBe(error.message)
            // The Okta error itself, not the span-annotated proxy Effect wraps failures in.
            expect(providerError.cause === error).toBe(true)
          }
        }))
    }

    it.effect("a failed email search is a ProviderError too", () =>
      Effect.gen(function*() {
        const error = new OktaError.OktaBadRequest({
          operation: "GET /api/v1/users",
          status: 400,
          errorCode: "E0000031",
          errorSummary: "Invalid search"
        })
        const { outcome } = yield* lookup(fakeOkta({ ...jsmithOrg, failures: { findUsersByEmail: error } }), "x@y.z")
        expect(failure(outcome).cause === error).toBe(true)
        expect(failure(outcome).message).toBe(error.message)
      }))

    it.effect("a non-account indicator is refused without a call", () =>
      Effect.gen(function*() {
        const fake = fakeOkta(jsmithOrg)
        const provider = yield* OktaProvider.make().pipe(Effect.provide(fake.layer))
        const error = yield* Effect.flip(provider.enrich(yield* Indicator.make("ip", "10.0.0.1")))
        expect(error.message).toBe("the okta provider looks up account indicators, not ip")
        expect(fake.calls).toStrictEqual([])
      }))
  })

  describe("configuration", () => {
    it.effect("defaults: named okta, accounts only, 1 hour, not found 5 minutes, no rules", () =>
      Effect.gen(function*() {
        const provider = yield* OktaProvider.make().pipe(Effect.provide(fakeOkta(jsmithOrg).layer))
        expect(provider.name).toBe("okta")
        expect(provider.indicatorTypes).toStrictEqual(["account"])
        expect(Duration.toMillis(provider.cacheTtl.account!)).toBe(3_600_000)
        expect(Duration.toMillis(provider.notFoundTtl)).toBe(300_000)
        expect(provider.rules).toBe(MaliceRules.empty)
      }))

    it.effect("options set the TTLs and rules; a NotFound is cached for the not-found TTL", () =>
      Effect.gen(function*() {
        const rules: MaliceRules.RuleSet = { rules: [], defaultVerdict: "Benign", notFoundVerdict: "Suspicious" }
        const { outcome, provider } = yield* lookup(fakeOkta(jsmithOrg), "nobody", {
          rules,
          cacheTtl: "30 minutes",
          notFoundTtl: Duration.seconds(30)
        })
        expect(Duration.toMillis(provider.cacheTtl.account!)).toBe(1_800_000)
        expect(provider.rules).toBe(rules)
        expect(Duration.toMillis(Provider.ttlOf(provider, "account", Either.getOrThrow(outcome)))).toBe(30_000)
      }))

    it.effect("layerConfig reads OKTA_CACHE_TTL and OKTA_NOT_FOUND_TTL", () =>
      Effect.gen(function*() {
        const provider = yield* OktaProvider.OktaProvider.pipe(
          Effect.provide(OktaProvider.layerConfig().pipe(Layer.provide(fakeOkta(jsmithOrg).layer))),
          Effect.withConfigProvider(
            ConfigProvider.fromMap(new Map([["OKTA_CACHE_TTL", "2 hours"], ["OKTA_NOT_FOUND_TTL", "1 minute"]]))
          )
        )
        expect(Duration.toMillis(provider.cacheTtl.account!)).toBe(7_200_000)
        expect(Duration.toMillis(provider.notFoundTtl)).toBe(60_000)
      }))

    it.effect("layerConfig defaults without variables and names a variable that does not decode", () =>
      Effect.gen(function*() {
        const layer = OktaProvider.layerConfig().pipe(Layer.provide(fakeOkta(jsmithOrg).layer))
        const provider = yield* OktaProvider.OktaProvider.pipe(
          Effect.provide(layer),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
        expect(Duration.toMillis(provider.cacheTtl.account!)).toBe(3_600_000)
        const error = yield* OktaProvider.OktaProvider.pipe(
          Effect.provide(layer),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OKTA_CACHE_TTL", "soon"]]))),
          Effect.flip
        )
        expect(String(error)).toContain("OKTA_CACHE_TTL")
      }))

    it.effect("layer provides the OktaProvider tag", () =>
      Effect.gen(function*() {
        const provider = yield* OktaProvider.OktaProvider.pipe(
          Effect.provide(OktaProvider.layer({ notFoundTtl: "1 minute" }).pipe(Layer.provide(fakeOkta(jsmithOrg).layer)))
        )
        expect(Duration.toMillis(provider.notFoundTtl)).toBe(60_000)
      }))
  })
})
