/**
 * The factors family: `GET /api/v1/users/{id}/factors` (unpaged, by user id only).
 *
 * @internal
 */
import { Option } from "effect"
import * as factors from "../org/factors.js"
import * as Route from "../route.js"
import { userNotFound } from "./shared.js"

export const listFactors = Route.define("GET /api/v1/users/{id}/factors", {
  rateLimit: 1200,
  handle: (request) =>
    Option.match(factors.listFactors(request.org, request.pathParams.id), {
      onNone: () => userNotFound(request, request.pathParams.id),
      onSome: (found) => ({ status: 200, body: found })
    })
})

export const routes = [listFactors] as const
