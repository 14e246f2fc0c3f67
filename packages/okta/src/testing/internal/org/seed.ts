/**
 * The seed-org file format and the Okta JSON shapes it holds (users, groups, factors, roles, System Log events).
 * Public through `SandboxOrg`.
 *
 * @internal
 */
import { Schema } from "effect"
import * as OktaResources from "../../../OktaResources.js"

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
)

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
