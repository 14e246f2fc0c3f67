/**
 * Pure extraction of the provider's snake_case fields from the Okta objects it read.
 *
 * @internal
 */
import type { Listing } from "../OktaClient.js"
import type { OktaError } from "../OktaError.js"
import type { OktaFactor, OktaGroup, OktaRoleAssignment, OktaUser } from "../OktaResources.js"

/** @internal */
export type Fetched<A> =
  | { readonly _tag: "Fetched"; readonly value: A }
  | { readonly _tag: "Failed"; readonly error: OktaError }

/** @internal */
export interface Related {
  readonly groups: Fetched<Listing<OktaGroup>>
  readonly factors: Fetched<ReadonlyArray<OktaFactor>>
  readonly roles: Fetched<ReadonlyArray<OktaRoleAssignment>>
}

/** @internal */
export interface Extraction {
  readonly extracted: Record<string, unknown>
  /** What Okta sent, untouched; `null` for what could not be read. */
  readonly raw: {
    readonly user: unknown
    readonly groups: ReadonlyArray<unknown> | null
    readonly factors: ReadonlyArray<unknown> | null
    readonly roles: ReadonlyArray<unknown> | null
    /** The System Log events read, with activity on (`null` when they could not be read). */
    readonly logs?: ReadonlyArray<unknown> | null
  }
  readonly warnings: ReadonlyArray<string>
}

/** An Okta user id: `00u` followed by 17 letters or digits. */
const userIdPattern = /^00u[0-9A-Za-z]{17}$/

/** @internal */
export const isUserId = (value: string): boolean => userIdPattern.test(value)

const factorNames: Record<string, string> = {
  "push": "push",
  "token:software:totp": "totp",
  "token:hotp": "hotp",
  "sms": "sms",
  "call": "call",
  "email": "email",
  "question": "question",
  "webauthn": "webauthn",
  "u2f": "u2f",
  "signed_nonce": "fastpass",
  "token:hardware": "hardware_token",
  "token": "token",
  "web": "web"
}

/** Okta's factor type in the provider's vocabulary (`token:software:totp` → `totp`); unknown types are kept as-is. */
export const normalizeFactorType = (factorType: string): string =>
  Object.prototype.hasOwnProperty.call(factorNames, factorType) ? factorNames[factorType] : factorType

const distinct = (values: Iterable<string>): Array<string> => Array.from(new Set(values))

/**
 * Okta writes `2025-01-15T08:30:00.000Z`; the product page shows `2025-01-15T08:30:00Z`. Valid timestamps are
 * rewritten as UTC ISO 8601 without zero milliseconds; anything else is kept as Okta sent it.
 */
const timestamp = (value: string | null): string | null => {
  if (value === null) return null
  const millis = Date.parse(value)
  if (Number.isNaN(millis)) return value
  return new Date(millis).toISOString().replace(".000Z", "Z")
}

const groupNames = (groups: ReadonlyArray<OktaGroup>): Array<string> => {
  // A group read twice (a pagination glitch) is one membership.
  const seen = new Set<string>()
  const names: Array<string> = []
  for (const group of groups) {
    if (seen.has(group.id)) continue
    seen.add(group.id)
    names.push(group.profile.name)
  }
  return names
}

const rawOf = (resource: { readonly raw: unknown }): unknown => resource.raw

/** @internal */
export const extract = (user: OktaUser, related: Related): Extraction => {
  const warnings: Array<string> = []
  const failed = (what: string, error: OktaError) => warnings.push(`${what}: ${error.message}`)

  let groups: Array<string> | null = null
  let rawGroups: ReadonlyArray<OktaGroup> | null = null
  if (related.groups._tag === "Fetched") {
    const listing = related.groups.value
    rawGroups = listing.items
    groups = groupNames(listing.items)
    if (!listing.complete) {
      warnings.push(
        `groups: the list is incomplete, ${groups.length} groups were read` +
          (listing.incompleteReason ? `: ${listing.incompleteReason}` : "")
      )
    }
  } else {
    failed("groups", related.groups.error)
  }

  let mfaEnrolled: boolean | null = null
  let mfaFactors: Array<string> | null = null
  let mfaFactorsPending: Array<string> | null = null
  let rawFactors: ReadonlyArray<OktaFactor> | null = null
  if (related.factors._tag === "Fetched") {
    rawFactors = related.factors.value
    // Only ACTIVE factors protect the account; NOT_SETUP is offered, not enrolled.
    mfaFactors = distinct(rawFactors.filter((f) => f.status === "ACTIVE").map((f) => normalizeFactorType(f.factorType)))
    mfaFactorsPending = distinct(
      rawFactors
        .filter((f) => f.status !== "ACTIVE" && f.status !== "NOT_SETUP")
        .map((f) => normalizeFactorType(f.factorType))
    )
    mfaEnrolled = mfaFactors.length > 0
  } else {
    failed("factors", related.factors.error)
  }

  let isAdmin: boolean | null = null
  let adminRoles: Array<{ type: string; label: string | null; assignment_type: string | null }> | null = null
  let rawRoles: ReadonlyArray<OktaRoleAssignment> | null = null
  if (related.roles._tag === "Fetched") {
    rawRoles = related.roles.value
    // Direct (USER) and inherited (GROUP) assignments both grant the role; INACTIVE ones grant nothing.
    adminRoles = rawRoles
      .filter((role) => role.status === "ACTIVE")
      .map((role) => ({ type: role.type, label: role.label, assignment_type: role.assignmentType }))
    isAdmin = adminRoles.length > 0
  } else {
    failed("roles", related.roles.error)
  }

  const profile = user.profile
  const extracted: Record<string, unknown> = {
    found: true,
    user_id: user.id,
    login: profile.login,
    email: profile.email,
    first_name: profile.firstName,
    last_name: profile.lastName,
    status: user.status,
    created: timestamp(user.created),
    last_login: timestamp(user.lastLogin),
    status_changed: timestamp(user.statusChanged),
    password_changed: timestamp(user.passwordChanged),
    last_updated: timestamp(user.lastUpdated),
    department: profile.department,
    title: profile.title,
    manager: profile.manager,
    groups,
    mfa_enrolled: mfaEnrolled,
    mfa_factors: mfaFactors,
    mfa_factors_pending: mfaFactorsPending,
    is_admin: isAdmin,
    admin_roles: adminRoles
  }
  const raw = {
    user: user.raw,
    groups: rawGroups && rawGroups.map(rawOf),
    factors: rawFactors && rawFactors.map(rawOf),
    roles: rawRoles && rawRoles.map(rawOf)
  }
  return { extracted, raw, warnings }
}
