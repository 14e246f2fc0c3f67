/**
 * The groups family: `GET /api/v1/users/{id}/groups`, cursor-paged by 200.
 *
 * @internal
 */
import { Option } from "effect"
import * as groups from "../org/groups.js"
import * as Route from "../route.js"
import { pagedById, userNotFound } from "./shared.js"

export const listUserGroups = Route.define("GET /api/v1/users/{id}/groups", {
  rateLimit: 1200,
  handle: (request) =>
    Option.match(groups.listUserGroups(request.org, request.pathParams.id), {
      onNone: () => userNotFound(request, request.pathParams.id),
      onSome: (found) => pagedById(request, found)
    })
})

export const routes = [listUserGroups] as const
