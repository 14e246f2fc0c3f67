/**
 * The users family: `GET /api/v1/users/{idOrLogin}` and `GET /api/v1/users` (list, `search`, `filter`, `q`).
 *
 * @internal
 */
import { Either, Option } from "effect"
import * as users from "../org/users.js"
import * as Route from "../route.js"
import { pageLimit } from "../wire.js"
import { pagedById, searchError, userNotFound } from "./shared.js"

export const getUser = Route.define("GET /api/v1/users/{id}", {
  rateLimit: 2000,
  handle: (request) =>
    Option.match(users.getUser(request.org, request.pathParams.id), {
      onNone: () => userNotFound(request, request.pathParams.id),
      onSome: (user) => ({ status: 200, body: user })
    })
})

export const listUsers = Route.define("GET /api/v1/users", {
  rateLimit: 600,
  handle: (request) => {
    const search = request.query.get("search")
    const filter = request.query.get("filter")
    const q = request.query.get("q")
    if (search === null && filter === null && q !== null) {
      // Okta does not page `q` results: `limit` (default 10) cuts the list and there is no next link.
      const found = users.qUsers(request.org, q).slice(0, pageLimit(request.query.get("limit"), 10, 200))
      return { status: 200, body: found, links: [request.selfLink] }
    }
    const result = search !== null
      ? users.searchUsers(request.org, search)
      : filter !== null
      ? users.filterUsers(request.org, filter)
      : Either.right(users.listUsers(request.org))
    return Either.match(result, {
      onLeft: (error) => searchError(request, error),
      onRight: (found) => pagedById(request, found)
    })
  }
})

export const routes = [getUser, listUsers] as const
