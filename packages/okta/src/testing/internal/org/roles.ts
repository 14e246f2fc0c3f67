/**
 * Queries of the roles family: `GET /api/v1/users/{userId}/roles`. Public through `SandboxOrg`.
 *
 * @internal
 */
import { Option } from "effect"
import type { Org } from "./model.js"
import type { OktaRoleJson } from "./seed.js"

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
