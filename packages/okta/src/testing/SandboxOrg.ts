/**
 * The sandbox's Okta org: a seed file (users, groups, factors, roles, System Log events as Okta sends them) and pure
 * queries over it that return Okta JSON exactly as the Management API would. The HTTP sandbox and the in-memory
 * OktaClient fake are both built on these queries.
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import { Array as Arr, Effect, Either, Option, ParseResult, Schema } from "effect"
import * as OktaResources from "../OktaResources.js"
import * as SearchExpression from "./SearchExpression.js"
import seedJson from "./seed-org.json" with { type: "json" }

// ---------------------------------------------------------------------------------------------------------------
// JSON shapes
// ---------------------------------------------------------------------------------------------------------------

const Extra = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * The statuses an Okta user can have.
 *
 * @since 0.1.0
 */
export type UserStatus = typeof OktaResources.userStatuses[number]

const userStatuses: ReadonlySet<string> = new Set<UserStatus>(OktaResources.userStatuses)

/**
 * The statuses an Okta user can have.
 *
 * @since 0.1.0
 */
export const UserStatus: Schema.Schema<UserStatus, string> = Schema.String.pipe(
  Schema.filter((status): status is UserStatus => userStatuses.has(status), {
    message: (issue) =>
      `${JSON.stringify(issue.actual)} is not a user status (expected one of ${[...userStatuses].join(", ")})`
  })
) as any

/**
 * An Okta `User` as `GET /api/v1/users/{id}` sends it. Only the fields the sandbox needs are checked; every other
 * field (credentials, `_links`, custom profile attributes) is kept as is.
 *
 * @since 0.1.0
 */
export const OktaUserJson = Schema.Struct({
  id: Schema.String,
  status: UserStatus,
  profile: Schema.Struct({
    login: Schema.String,
    email: Schema.optional(Schema.NullOr(Schema.String)),
    firstName: Schema.optional(Schema.NullOr(Schema.String)),
    lastName: Schema.optional(Schema.NullOr(Schema.String))
  }, Extra)
}, Extra)

/**
 * @since 0.1.0
 */
export type OktaUserJson = typeof OktaUserJson.Type

/**
 * An Okta `Group` as `GET /api/v1/users/{id}/groups` sends it.
 *
 * @since 0.1.0
 */
export const OktaGroupJson = Schema.Struct({
  id: Schema.String,
  profile: Schema.Struct({ name: Schema.String }, Extra)
}, Extra)

/**
 * @since 0.1.0
 */
export type OktaGroupJson = typeof OktaGroupJson.Type

/**
 * An Okta `UserFactor` as `GET /api/v1/users/{userId}/factors` sends it.
 *
 * @since 0.1.0
 */
export const OktaFactorJson = Schema.Struct({
  id: Schema.String,
  factorType: Schema.String,
  status: Schema.String
}, Extra)

/**
 * @since 0.1.0
 */
export type OktaFactorJson = typeof OktaFactorJson.Type

/**
 * An Okta role assignment (`StandardRole` or `CustomRole`) as `GET /api/v1/users/{userId}/roles` sends it.
 *
 * @since 0.1.0
 */
export const OktaRoleJson = Schema.Struct({ type: Schema.String }, Extra)

/**
 * @since 0.1.0
 */
export type OktaRoleJson = typeof OktaRoleJson.Type

/**
 * An Okta System Log `LogEvent`.
 *
 * @since 0.1.0
 */
export const OktaLogEventJson = Schema.Struct({
  uuid: Schema.String,
  published: Schema.String,
  eventType: Schema.String
}, Extra)

/**
 * @since 0.1.0
 */
export type OktaLogEventJson = typeof OktaLogEventJson.Type

// ---------------------------------------------------------------------------------------------------------------
// Seed file
// ---------------------------------------------------------------------------------------------------------------

/**
 * One user of the seed file: the Okta User JSON plus what hangs off it.
 *
 * @since 0.1.0
 */
export const SeedUser = Schema.Struct({
  user: OktaUserJson,
  /** Ids of the groups the user is a member of (groups listed in `groups` or produced by `generatedGroups`). */
  groupIds: Schema.optional(Schema.Array(Schema.String)),
  factors: Schema.optional(Schema.Array(OktaFactorJson)),
  /** Roles assigned to the user directly (`assignmentType: "USER"`). */
  roles: Schema.optional(Schema.Array(OktaRoleJson))
})

/**
 * One group of the seed file, with the admin roles assigned to the group (its members get them with
 * `assignmentType: "GROUP"`).
 *
 * @since 0.1.0
 */
export const SeedGroup = Schema.Struct({
  group: OktaGroupJson,
  roles: Schema.optional(Schema.Array(OktaRoleJson))
})

/**
 * A compact rule that generates many groups at load time (for a user in hundreds of groups) instead of writing them
 * out: group `n` (1-based) gets id `idPrefix` + `n` zero-padded to 20 characters and name `namePattern` with `{n}`
 * replaced by `n`.
 *
 * @since 0.1.0
 */
export const GeneratedGroups = Schema.Struct({
  count: Schema.Int.pipe(Schema.between(1, 100_000)),
  idPrefix: Schema.String.pipe(Schema.maxLength(15)),
  namePattern: Schema.String.pipe(Schema.includes("{n}")),
  description: Schema.optional(Schema.String),
  created: Schema.optionalWith(Schema.String, { default: () => "2020-01-01T00:00:00.000Z" }),
  /** User ids that are members of every generated group. */
  members: Schema.Array(Schema.String)
})

/**
 * The seed-org file format. Users model their own org by writing one of these and passing it to {@link load}.
 *
 * @since 0.1.0
 */
export const SeedFile = Schema.Struct({
  users: Schema.Array(Schema.Unknown),
  groups: Schema.optionalWith(Schema.Array(Schema.Unknown), { default: () => [] }),
  generatedGroups: Schema.optionalWith(Schema.Array(GeneratedGroups), { default: () => [] }),
  logs: Schema.optionalWith(Schema.Array(Schema.Unknown), { default: () => [] })
})

/**
 * The seed org could not be read or is not valid; `message` names the file, the entry and the field.
 *
 * @since 0.1.0
 */
export class SandboxOrgError extends Schema.TaggedError<SandboxOrgError>()("SandboxOrgError", {
  source: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `Invalid sandbox org (${this.source}): ${this.reason}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Org
// ---------------------------------------------------------------------------------------------------------------

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

const describe = (item: unknown): string => {
  if (item !== null && typeof item === "object") {
    const record = item as Record<string, any>
    const inner = record.user ?? record.group ?? record
    if (inner && typeof inner === "object") {
      const id = inner.id ?? inner.uuid
      const login = inner.profile?.login ?? inner.profile?.name
      const parts = [id, login].filter((p) => typeof p === "string")
      if (parts.length > 0) return ` (${parts.join(", ")})`
    }
  }
  return ""
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

// ---------------------------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------------------------

/**
 * Finds a user the way `GET /api/v1/users/{idOrLogin}` does: by id, by login (ignoring case) or by an unambiguous
 * login short name (`jsmith` for `jsmith@example.com`). A value containing `/` matches ids only, like Okta.
 *
 * @since 0.1.0
 */
export const findUser = (org: Org, idOrLogin: string): Option.Option<OrgUser> => {
  const byId = org.usersById.get(idOrLogin)
  if (byId !== undefined) return Option.some(byId)
  if (idOrLogin.includes("/")) return Option.none()
  const lower = idOrLogin.toLowerCase()
  const byLogin = org.usersByLogin.get(lower)
  if (byLogin !== undefined) return Option.some(byLogin)
  const byShortName = org.usersByShortName.get(lower)
  return byShortName !== undefined && byShortName.length === 1 ? Option.some(byShortName[0]) : Option.none()
}

/**
 * `GET /api/v1/users/{idOrLogin}`.
 *
 * @since 0.1.0
 */
export const getUser = (org: Org, idOrLogin: string): Option.Option<OktaUserJson> =>
  Option.map(findUser(org, idOrLogin), (user) => user.json)

/**
 * `GET /api/v1/users` without a query: every user except DEPROVISIONED ones.
 *
 * @since 0.1.0
 */
export const listUsers = (org: Org): ReadonlyArray<OktaUserJson> =>
  org.users.filter((user) => user.json.status !== "DEPROVISIONED").map((user) => user.json)

const coAttributes: ReadonlySet<string> = new Set([
  "profile.firstName",
  "profile.lastName",
  "profile.email",
  "profile.login"
])

const checkSearch = (source: string, expression: SearchExpression.Expression): Option.Option<string> => {
  switch (expression._tag) {
    case "And":
    case "Or":
      return Option.orElse(checkSearch(source, expression.left), () => checkSearch(source, expression.right))
    case "Present":
      return Option.none()
    case "Compare":
      if (expression.operator === "ne" || expression.operator === "ew") {
        return Option.some(`the ${expression.operator} operator is not supported by search`)
      }
      if (expression.operator === "co" && !coAttributes.has(expression.attribute)) {
        return Option.some(`co can only be used with ${[...coAttributes].join(", ")}`)
      }
      return Option.none()
  }
}

const filterAttributes: ReadonlySet<string> = new Set([
  "status",
  "lastUpdated",
  "id",
  "profile.login",
  "profile.email",
  "profile.firstName",
  "profile.lastName"
])

const checkFilter = (expression: SearchExpression.Expression): Option.Option<string> => {
  switch (expression._tag) {
    case "And":
    case "Or":
      return Option.orElse(checkFilter(expression.left), () => checkFilter(expression.right))
    case "Present":
      return Option.some("filter does not support the pr operator")
    case "Compare":
      if (!filterAttributes.has(expression.attribute)) {
        return Option.some(`filter does not support ${expression.attribute}; use search`)
      }
      if (expression.operator === "eq") return Option.none()
      if (expression.attribute === "lastUpdated" && ["gt", "ge", "lt", "le"].includes(expression.operator)) {
        return Option.none()
      }
      return Option.some(`filter does not support ${expression.operator} on ${expression.attribute}; use search`)
  }
}

const parseChecked = (
  input: string,
  check: (expression: SearchExpression.Expression) => Option.Option<string>
): Either.Either<SearchExpression.Expression, SearchExpression.SearchSyntaxError> =>
  Either.flatMap(SearchExpression.parse(input), (expression) =>
    Option.match(check(expression), {
      onNone: () => Either.right(expression),
      onSome: (reason) =>
        Either.left(new SearchExpression.SearchSyntaxError({ expression: input, position: 0, reason }))
    }))

/**
 * `GET /api/v1/users?search=`: case-insensitive values, DEPROVISIONED users included.
 *
 * @since 0.1.0
 */
export const searchUsers = (
  org: Org,
  search: string
): Either.Either<ReadonlyArray<OktaUserJson>, SearchExpression.SearchSyntaxError> =>
  Either.map(
    parseChecked(search, (expression) => checkSearch(search, expression)),
    (expression) =>
      org.users.filter((user) => SearchExpression.evaluate(expression, user.json, { caseInsensitive: true })).map((
        user
      ) => user.json)
  )

/**
 * `GET /api/v1/users?filter=`: case-sensitive values, only the fields and operators Okta allows in `filter`,
 * DEPROVISIONED users included.
 *
 * @since 0.1.0
 */
export const filterUsers = (
  org: Org,
  filter: string
): Either.Either<ReadonlyArray<OktaUserJson>, SearchExpression.SearchSyntaxError> =>
  Either.map(
    parseChecked(filter, checkFilter),
    (expression) =>
      org.users.filter((user) => SearchExpression.evaluate(expression, user.json, { caseInsensitive: false })).map((
        user
      ) => user.json)
  )

/**
 * `GET /api/v1/users?q=`: prefix match (ignoring case) on first name, last name or email; DEPROVISIONED users
 * omitted. Okta does not page these results; the caller applies `limit` (default 10).
 *
 * @since 0.1.0
 */
export const qUsers = (org: Org, q: string): ReadonlyArray<OktaUserJson> => {
  const prefix = q.toLowerCase()
  const starts = (value: unknown) => typeof value === "string" && value.toLowerCase().startsWith(prefix)
  return org.users
    .filter((user) =>
      user.json.status !== "DEPROVISIONED" &&
      (starts(user.json.profile.firstName) || starts(user.json.profile.lastName) || starts(user.json.profile.email))
    )
    .map((user) => user.json)
}

/**
 * `GET /api/v1/users/{id}/groups`: all groups of the user (unpaged; see {@link paginate}). `None` if there is no
 * such user.
 *
 * @since 0.1.0
 */
export const listUserGroups = (org: Org, idOrLogin: string): Option.Option<ReadonlyArray<OktaGroupJson>> =>
  Option.map(findUser(org, idOrLogin), (user) => user.groupIds.map((id) => org.groupsById.get(id)!.json))

/**
 * `GET /api/v1/users/{userId}/factors` (by id only, like Okta). `None` if there is no such user.
 *
 * @since 0.1.0
 */
export const listFactors = (org: Org, userId: string): Option.Option<ReadonlyArray<OktaFactorJson>> =>
  Option.map(Option.fromNullable(org.usersById.get(userId)), (user) => user.factors)

/**
 * `GET /api/v1/users/{userId}/roles` (by id only): roles assigned directly, then roles the user holds through its
 * groups (`assignmentType: "GROUP"`). `None` if there is no such user.
 *
 * @since 0.1.0
 */
export const listRoles = (org: Org, userId: string): Option.Option<ReadonlyArray<OktaRoleJson>> =>
  Option.map(Option.fromNullable(org.usersById.get(userId)), (user) => {
    const roles: Array<OktaRoleJson> = [...user.roles]
    for (const groupId of user.groupIds) {
      const group = org.groupsById.get(groupId)!
      for (const role of group.roles) roles.push(role)
    }
    return roles
  })

/**
 * A page of results and the cursor of the next page, if there is one.
 *
 * @since 0.1.0
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next: Option.Option<string>
}

/**
 * Cuts a page out of a result list the way Okta's cursor paging does: `after` is the key of the last item of the
 * previous page (an unknown cursor gives an empty page); `next` is present when more items follow.
 *
 * @since 0.1.0
 */
export const paginate = <A>(
  items: ReadonlyArray<A>,
  options: { readonly after?: string | undefined; readonly limit: number; readonly key: (item: A) => string }
): Page<A> => {
  let start = 0
  if (options.after !== undefined) {
    const index = items.findIndex((item) => options.key(item) === options.after)
    if (index < 0) return { items: [], next: Option.none() }
    start = index + 1
  }
  const page = items.slice(start, start + options.limit)
  const hasMore = start + options.limit < items.length && page.length > 0
  return { items: page, next: hasMore ? Option.some(options.key(page[page.length - 1])) : Option.none() }
}

/**
 * Parameters of `GET /api/v1/logs`. `now` is the current time (the default `until`, and `since` defaults to 7 days
 * before `until`).
 *
 * @since 0.1.0
 */
export interface LogQuery {
  readonly filter?: string | undefined
  readonly since?: string | undefined
  readonly until?: string | undefined
  readonly after?: string | undefined
  readonly limit?: number | undefined
  readonly sortOrder?: "ASCENDING" | "DESCENDING" | undefined
  readonly now: Date
}

/**
 * A `since`/`until` that is not an ISO 8601 timestamp (Okta: 400 `E0000001`).
 *
 * @since 0.1.0
 */
export class InvalidLogQuery extends Schema.TaggedError<InvalidLogQuery>()("InvalidLogQuery", {
  parameter: Schema.String,
  value: Schema.String
}) {
  override get message(): string {
    return `Invalid value for ${this.parameter}: ${JSON.stringify(this.value)} is not an ISO 8601 timestamp`
  }
}

const isoLike = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

const parseTime = (parameter: string, value: string): Either.Either<number, InvalidLogQuery> => {
  const millis = Date.parse(value)
  return isoLike.test(value) && !Number.isNaN(millis)
    ? Either.right(millis)
    : Either.left(new InvalidLogQuery({ parameter, value }))
}

/**
 * `GET /api/v1/logs`: events with `since <= published < until` matching `filter` (case-sensitive), sorted by
 * `published`, `limit` (default 100, max 1000) per page. A bounded query (with `until`) has no `next` after its last
 * page; a polling query (without `until`) always has one, as Okta does.
 *
 * @since 0.1.0
 */
export const listLogs = (
  org: Org,
  query: LogQuery
): Either.Either<Page<OktaLogEventJson>, SearchExpression.SearchSyntaxError | InvalidLogQuery> =>
  Either.gen(function*() {
    const until = query.until === undefined ? query.now.getTime() : yield* parseTime("until", query.until)
    const since = query.since === undefined ? until - 7 * 24 * 3600 * 1000 : yield* parseTime("since", query.since)
    const expression = query.filter === undefined ? undefined : yield* SearchExpression.parse(query.filter)
    const limit = Math.min(Math.max(query.limit ?? 100, 0), 1000)
    let events = org.logs.filter((event) => {
      const published = Date.parse(event.published)
      return published >= since && published < until &&
        (expression === undefined || SearchExpression.evaluate(expression, event, { caseInsensitive: false }))
    })
    if (query.sortOrder === "DESCENDING") events = Arr.reverse(events)
    const page = paginate(events, { after: query.after, limit, key: (event) => event.uuid })
    if (query.until === undefined && Option.isNone(page.next)) {
      const last = page.items.length > 0 ? page.items[page.items.length - 1].uuid : query.after
      return { items: page.items, next: Option.some(last ?? "") }
    }
    return page
  })
