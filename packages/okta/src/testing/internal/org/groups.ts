/**
 * Queries of the groups family: `GET /api/v1/users/{id}/groups`. Public through `SandboxOrg`.
 *
 * @internal
 */
import { Option } from "effect"
import type { Org } from "./model.js"
import type { OktaGroupJson } from "./seed.js"
import { findUser } from "./users.js"

/**
 * `GET /api/v1/users/{id}/groups`: all groups of the user (unpaged; see {@link paginate}). `None` if there is no
 * such user.
 *
 * @since 0.1.0
 */
export const listUserGroups = (org: Org, idOrLogin: string): Option.Option<ReadonlyArray<OktaGroupJson>> =>
  Option.map(findUser(org, idOrLogin), (user) => user.groupIds.map((id) => org.groupsById.get(id)!.json))
