/**
 * The System Log family: `GET /api/v1/logs` with `filter`, `since`, `until`, `after`, `limit` (default 100, max
 * 1000) and `sortOrder`.
 *
 * @internal
 */
import { Either } from "effect"
import * as logs from "../org/logs.js"
import * as Route from "../route.js"
import { pageLimit } from "../wire.js"
import { searchError } from "./shared.js"

export const listLogs = Route.define("GET /api/v1/logs", {
  rateLimit: 120,
  handle: (request) => {
    const limit = pageLimit(request.query.get("limit"), 100, 1000)
    const result = logs.listLogs(request.org, {
      filter: request.query.get("filter") ?? undefined,
      since: request.query.get("since") ?? undefined,
      until: request.query.get("until") ?? undefined,
      after: request.query.get("after") ?? undefined,
      limit,
      sortOrder: request.query.get("sortOrder") === "DESCENDING" ? "DESCENDING" : "ASCENDING",
      now: new Date(request.now)
    })
    return Either.match(result, {
      onLeft: (error) =>
        error._tag === "SearchSyntaxError"
          ? searchError(request, error)
          : { status: 400, body: request.error(400, `Api validation failed: ${error.parameter}`, [error.message]) },
      onRight: (page) => ({ status: 200, body: page.items, links: request.pagedLinks(page.next, limit) })
    })
  }
})

export const routes = [listLogs] as const
