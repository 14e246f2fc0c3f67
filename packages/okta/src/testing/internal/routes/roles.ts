/**
 * The roles family: `GET /api/v1/users/{id}/roles` (unpaged, by user id only; direct and group-held roles).
 *
 * @internal
 */
import { Option } from "effect"
import * as roles from "../org/roles.js"
import * as Route from "../route.js"
import { userNotFound } from "./shared.js"

export const listRoles = Route.define("GET /api/v1/users/{id}/roles", {
  rateLimit: 1200,
  handle: (request) =>
    Option.match(roles.listRoles(request.org, request.pathParams.id), {
      onNone: () => userNotFound(request, request.pathParams.id),
      onSome: (found) => ({ status: 200, body: found })
    })
})

export const routes = [listRoles] as const
