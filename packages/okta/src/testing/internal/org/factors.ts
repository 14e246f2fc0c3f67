/**
 * Queries of the factors family: `GET /api/v1/users/{userId}/factors`. Public through `SandboxOrg`.
 *
 * @internal
 */
import { Option } from "effect"
import type { Org } from "./model.js"
import type { OktaFactorJson } from "./seed.js"

/**
 * `GET /api/v1/users/{userId}/factors` (by id only, like Okta). `None` if there is no such user.
 *
 * @since 0.1.0
 */
export const listFactors = (org: Org, userId: string): Option.Option<ReadonlyArray<OktaFactorJson>> =>
  Option.map(Option.fromNullable(org.usersById.get(userId)), (user) => user.factors)
