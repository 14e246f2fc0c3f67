/**
 * Answers several route families share: a user that does not exist, an invalid search, a page of a cursor-paged list.
 *
 * @internal
 */
import * as paging from "../org/paging.js"
import type { RouteRequest } from "../route.js"
import { pageLimit, type Reply } from "../wire.js"

/** 404 `E0000007` naming the user, as Okta answers an unknown id or login. */
export const userNotFound = (request: RouteRequest, idOrLogin: string): Reply => ({
  status: 404,
  body: request.error(404, `Not found: Resource not found: ${idOrLogin} (User)`)
})

/** 400 `E0000031` with the parser's reason as the cause. */
export const searchError = (request: RouteRequest, error: { readonly message: string }): Reply => ({
  status: 400,
  body: request.error(400, "Invalid search criteria.", [error.message], "E0000031")
})

/** Users and a user's groups page alike: `limit` (default and max 200), `after` a cursor on the id. */
export const pagedById = <A extends { readonly id: string }>(request: RouteRequest, items: ReadonlyArray<A>): Reply => {
  const limit = pageLimit(request.query.get("limit"), 200, 200)
  const page = paging.paginate(items, { after: request.query.get("after") ?? undefined, limit, key: (item) => item.id })
  return { status: 200, body: page.items, links: request.pagedLinks(page.next, limit) }
}
