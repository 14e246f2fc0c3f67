/**
 * Schemas of the Okta resources account enrichment reads: users, groups, factors, role assignments and Okta's error
 * body. They accept every official example of the operations we call, ignore unknown fields, and keep unknown enum
 * values (new statuses, role types, factor types) as strings instead of failing.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * A resource decoded from Okta's JSON that keeps that JSON as `raw`: the fields enrichment reads are checked and
 * given defaults, while `raw` is exactly what Okta sent (`credentials`, `_links`, `type`, unknown fields included,
 * absent fields absent), for `--include-raw` and rules on `raw.*`.
 */
const KeepingRaw = <A extends object, I>(
  schema: Schema.Schema<A, I>
): Schema.Schema<A & { readonly raw: unknown }, unknown> => {
  const decode = ParseResult.decodeUnknown(schema)
  return Schema.declare([], {
    decode: () => (input, options) => ParseResult.map(decode(input, options), (value) => ({ ...value, raw: input })),
    encode: () => (input) => ParseResult.succeed(Predicate.hasProperty(input, "raw") ? input.raw : input)
  })
}

/** A string field that Okta documents as an enum, decoded leniently: known values are listed, unknown ones kept. */
const OpenEnum = <const Values extends ReadonlyArray<string>>(..._known: Values) =>
  Schema.String as Schema.Schema<Values[number] | (string & {}), string>

const OptionalTimestamp = Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })

/** The user statuses Okta documents. */
export const userStatuses = [
  "STAGED",
  "PROVISIONED",
  "ACTIVE",
  "RECOVERY",
  "PASSWORD_EXPIRED",
  "LOCKED_OUT",
  "SUSPENDED",
  "DEPROVISIONED"
] as const

/** A user's lifecycle status (`ACTIVE`, `SUSPENDED`, `DEPROVISIONED`, ...); unknown values are kept. */
export const UserStatus = OpenEnum(...userStatuses)

/**
 * A user's profile: the standard attributes enrichment uses, plus every custom attribute as-is. `login` is always
 * present in full responses, but absent when the caller asked for a projection (`fields=`); it is then `null`, as in
 * Okta's own `UsersProjections` example.
 */
export const UserProfile = Schema.Struct(
  {
    login: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    email: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    firstName: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    lastName: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    title: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    department: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    manager: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
    managerId: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/** An Okta user (`GET /api/v1/users/{id}`). */
export const OktaUser = KeepingRaw(Schema.Struct({
  id: Schema.String,
  status: UserStatus,
  created: OptionalTimestamp,
  activated: OptionalTimestamp,
  statusChanged: OptionalTimestamp,
  lastLogin: OptionalTimestamp,
  lastUpdated: OptionalTimestamp,
  passwordChanged: OptionalTimestamp,
  profile: UserProfile
}))

/** An Okta user. */
export type OktaUser = typeof OktaUser.Type

/** An Okta group (`GET /api/v1/users/{id}/groups`). */
export const OktaGroup = KeepingRaw(Schema.Struct({
  id: Schema.String,
  type: Schema.optionalWith(OpenEnum("OKTA_GROUP", "APP_GROUP", "BUILT_IN"), { default: () => "OKTA_GROUP" }),
  profile: Schema.Struct({
    name: Schema.String,
    description: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
  })
}))

/** An Okta group. */
export type OktaGroup = typeof OktaGroup.Type

/** A factor type as Okta names it (`push`, `token:software:totp`, `signed_nonce`, ...). */
export const FactorType = OpenEnum(
  "call",
  "email",
  "push",
  "question",
  "signed_nonce",
  "sms",
  "token",
  "token:hardware",
  "token:hotp",
  "token:software:totp",
  "u2f",
  "web",
  "webauthn"
)

/**
 * An enrolled factor (`GET /api/v1/users/{userId}/factors`). Only `ACTIVE` factors protect the account; a factor
 * without a status decodes to `null` and never counts as protecting it (a missing field must not read as MFA).
 */
export const OktaFactor = KeepingRaw(Schema.Struct({
  id: Schema.String,
  factorType: FactorType,
  provider: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  status: Schema.optionalWith(
    Schema.NullOr(OpenEnum("ACTIVE", "DISABLED", "ENROLLED", "EXPIRED", "INACTIVE", "NOT_SETUP", "PENDING_ACTIVATION")),
    { default: () => null }
  ),
  vendorName: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })
}))

/** An enrolled factor. */
export type OktaFactor = typeof OktaFactor.Type

/** An admin role assignment (`GET /api/v1/users/{userId}/roles`), direct (`USER`) or through a group (`GROUP`). */
export const OktaRoleAssignment = KeepingRaw(Schema.Struct({
  id: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  type: OpenEnum(
    "SUPER_ADMIN",
    "ORG_ADMIN",
    "APP_ADMIN",
    "USER_ADMIN",
    "HELP_DESK_ADMIN",
    "READ_ONLY_ADMIN",
    "MOBILE_ADMIN",
    "API_ACCESS_MANAGEMENT_ADMIN",
    "REPORT_ADMIN",
    "GROUP_MEMBERSHIP_ADMIN",
    "CUSTOM"
  ),
  label: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  // A role assignment without a status is taken as ACTIVE: for `is_admin`, erring towards "admin" is the safe side.
  status: Schema.optionalWith(OpenEnum("ACTIVE", "INACTIVE"), { default: () => "ACTIVE" }),
  assignmentType: Schema.optionalWith(Schema.NullOr(OpenEnum("USER", "GROUP", "CLIENT")), { default: () => null })
}))

/** An admin role assignment. */
export type OktaRoleAssignment = typeof OktaRoleAssignment.Type

/** Okta's error body (`{ errorCode, errorSummary, errorLink, errorId, errorCauses }`). */
export const OktaErrorBody = Schema.Struct({
  errorCode: Schema.optionalWith(Schema.String, { default: () => "unknown" }),
  errorSummary: Schema.optionalWith(Schema.String, { default: () => "" }),
  errorLink: Schema.optional(Schema.String),
  errorId: Schema.optional(Schema.String),
  errorCauses: Schema.optional(Schema.Array(Schema.Struct({ errorSummary: Schema.optional(Schema.String) })))
})

/** Okta's error body. */
export type OktaErrorBody = typeof OktaErrorBody.Type
