/**
 * The org: a validated, indexed seed file (`fromJson`, `load`, the bundled `defaultOrg`). Public through
 * `SandboxOrg`.
 *
 * @internal
 */
import { FileSystem } from "@effect/platform"
import { Effect, Either, ParseResult, Schema } from "effect"
import seedJson from "../../seed-org.json" with { type: "json" }
import {
  type OktaFactorJson,
  type OktaGroupJson,
  OktaLogEventJson,
  type OktaRoleJson,
  type OktaUserJson,
  SandboxOrgError,
  SeedFile,
  SeedGroup,
  SeedUser
} from "./seed.js"

/**
 * A user of the org with everything that hangs off it.
 *
 * @since 0.1.0
 */
export interface OrgUser {
  readonly json: OktaUserJson
  readonly groupIds: ReadonlyArray<string>
  readonly factors: ReadonlyArray<OktaFactorJson>
  readonly roles: ReadonlyArray<OktaRoleJson>
}

/**
 * A group of the org.
 *
 * @since 0.1.0
 */
export interface OrgGroup {
  readonly json: OktaGroupJson
  readonly roles: ReadonlyArray<OktaRoleJson>
}

/**
 * A loaded, validated, indexed org. Build one with {@link fromJson}, {@link load} or use {@link defaultOrg}.
 *
 * @since 0.1.0
 */
export interface Org {
  readonly users: ReadonlyArray<OrgUser>
  readonly groups: ReadonlyArray<OrgGroup>
  /** System Log events, sorted by `published`. */
  readonly logs: ReadonlyArray<OktaLogEventJson>
  readonly usersById: ReadonlyMap<string, OrgUser>
  /** Keyed by lower-cased login (Okta logins are unique ignoring case). */
  readonly usersByLogin: ReadonlyMap<string, OrgUser>
  /** Keyed by lower-cased login short name (the part before `@`); several users may share one. */
  readonly usersByShortName: ReadonlyMap<string, ReadonlyArray<OrgUser>>
  readonly groupsById: ReadonlyMap<string, OrgGroup>
}

const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined

/** Names a seed entry in error messages by its id and login (or group name), when it has them. */
const describe = (item: unknown): string => {
  const inner = field(item, "user") ?? field(item, "group") ?? item
  const profile = field(inner, "profile")
  const parts = [field(inner, "id") ?? field(inner, "uuid"), field(profile, "login") ?? field(profile, "name")]
    .filter((part): part is string => typeof part === "string")
  return parts.length > 0 ? ` (${parts.join(", ")})` : ""
}

const decodeEach = <A, I>(
  source: string,
  label: string,
  items: ReadonlyArray<unknown>,
  schema: Schema.Schema<A, I>
): Either.Either<Array<A>, SandboxOrgError> => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "preserve" })
  const out: Array<A> = []
  for (let i = 0; i < items.length; i++) {
    const result = decode(items[i])
    if (Either.isLeft(result)) {
      return Either.left(
        new SandboxOrgError({
          source,
          reason: formatIssues(`${label}[${i}]${describe(items[i])}`, result.left)
        })
      )
    }
    // Validation only: keep the seed's own object so responses keep its key order and every field verbatim.
    out.push(items[i] as A)
  }
  return Either.right(out)
}

const formatIssues = (where: string, error: ParseResult.ParseError): string => {
  const seen = new Set<string>()
  const lines: Array<string> = []
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.map((key) => typeof key === "number" ? `[${key}]` : `.${String(key)}`).join("")
    if (seen.has(path)) continue
    seen.add(path)
    lines.push(`${where}${where === "" ? path.replace(/^\./, "") : path}: ${issue.message}`)
  }
  return lines.join("; ")
}

const padId = (prefix: string, n: number): string => prefix + String(n).padStart(20 - prefix.length, "0")

/**
 * Builds an org from seed JSON (already parsed). `source` names where it came from in error messages.
 *
 * @since 0.1.0
 */
export const fromJson = (json: unknown, source = "JSON"): Either.Either<Org, SandboxOrgError> =>
  Either.gen(function*() {
    const file = yield* Schema.decodeUnknownEither(SeedFile, { errors: "all" })(json).pipe(
      Either.mapLeft((error) => new SandboxOrgError({ source, reason: formatIssues("", error) }))
    )
    const seedUsers = yield* decodeEach(source, "users", file.users, SeedUser)
    const seedGroups = yield* decodeEach(source, "groups", file.groups, SeedGroup)
    const logs = yield* decodeEach(source, "logs", file.logs, OktaLogEventJson)
    const fail = (reason: string) => Either.left(new SandboxOrgError({ source, reason }))

    const groups: Array<OrgGroup> = seedGroups.map((g) => ({ json: g.group, roles: g.roles ?? [] }))
    const extraGroupIds = new Map<string, Array<string>>()
    for (const [index, rule] of file.generatedGroups.entries()) {
      const ids: Array<string> = []
      for (let n = 1; n <= rule.count; n++) {
        const id = padId(rule.idPrefix, n)
        ids.push(id)
        const name = rule.namePattern.replace(/\{n\}/g, String(n))
        groups.push({
          json: {
            id,
            created: rule.created,
            lastUpdated: rule.created,
            lastMembershipUpdated: rule.created,
            objectClass: ["okta:user_group"],
            type: "OKTA_GROUP",
            profile: rule.description === undefined ? { name } : { name, description: rule.description }
          },
          roles: []
        })
      }
      for (const member of rule.members) {
        if (!seedUsers.some((u) => u.user.id === member)) {
          return yield* fail(`generatedGroups[${index}].members: no user has id ${member}`)
        }
        extraGroupIds.set(member, [...(extraGroupIds.get(member) ?? []), ...ids])
      }
    }

    const groupsById = new Map<string, OrgGroup>()
    for (const group of groups) {
      if (groupsById.has(group.json.id)) return yield* fail(`groups: duplicate group id ${group.json.id}`)
      groupsById.set(group.json.id, group)
    }

    const users: Array<OrgUser> = []
    const usersById = new Map<string, OrgUser>()
    const usersByLogin = new Map<string, OrgUser>()
    const usersByShortName = new Map<string, Array<OrgUser>>()
    for (const [index, seed] of seedUsers.entries()) {
      const where = `users[${index}]${describe(seed)}`
      const groupIds = seed.groupIds ?? []
      for (const groupId of groupIds) {
        if (!groupsById.has(groupId)) return yield* fail(`${where}.groupIds: no group has id ${groupId}`)
      }
      const user: OrgUser = {
        json: seed.user,
        groupIds: [...groupIds, ...(extraGroupIds.get(seed.user.id) ?? [])],
        factors: seed.factors ?? [],
        roles: seed.roles ?? []
      }
      if (usersById.has(user.json.id)) return yield* fail(`${where}.user.id: duplicate user id ${user.json.id}`)
      const login = user.json.profile.login.toLowerCase()
      if (usersByLogin.has(login)) {
        return yield* fail(`${where}.user.profile.login: ${user.json.profile.login} is already used (ignoring case)`)
      }
      users.push(user)
      usersById.set(user.json.id, user)
      usersByLogin.set(login, user)
      const at = login.indexOf("@")
      if (at > 0) {
        const short = login.slice(0, at)
        usersByShortName.set(short, [...(usersByShortName.get(short) ?? []), user])
      }
    }

    const sortedLogs = [...logs].sort((a, b) => a.published < b.published ? -1 : a.published > b.published ? 1 : 0)
    return { users, groups, logs: sortedLogs, usersById, usersByLogin, usersByShortName, groupsById }
  })

/**
 * Reads and validates a seed-org JSON file.
 *
 * @since 0.1.0
 */
export const load = (path: string): Effect.Effect<Org, SandboxOrgError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((error) =>
        new SandboxOrgError({ source: path, reason: `cannot read the file: ${error.message}` })
      )
    )
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => new SandboxOrgError({ source: path, reason: `not valid JSON: ${(error as Error).message}` })
    })
    return yield* fromJson(json, path)
  })

/**
 * The bundled seed org (`seed-org.json`): about 30 users modelling what real orgs contain, starting with the product
 * page's example user `jsmith@example.com`.
 *
 * @since 0.1.0
 */
export const defaultOrg: Org = Either.getOrThrowWith(
  fromJson(seedJson, "bundled seed-org.json"),
  (error) => new Error(error.message)
)
