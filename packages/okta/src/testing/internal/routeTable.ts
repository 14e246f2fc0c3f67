/**
 * The route table: every route family the sandbox serves, in matching order. Adding a family is one module under
 * `routes/` exporting `routes`, and one line here; its names join the `Route` type and its limits
 * `defaultRateLimits` by themselves.
 *
 * @internal
 */
import { Option } from "effect"
import type { RouteDef } from "./route.js"
import * as Factors from "./routes/factors.js"
import * as Groups from "./routes/groups.js"
import * as Logs from "./routes/logs.js"
import * as OAuth from "./routes/oauth.js"
import * as Roles from "./routes/roles.js"
import * as Users from "./routes/users.js"

export const table = [
  ...Users.routes,
  ...Groups.routes,
  ...Factors.routes,
  ...Roles.routes,
  ...Logs.routes,
  ...OAuth.routes
] as const

/** The name of every route in the table. */
export type RouteName = typeof table[number]["name"]

/** The bucket, counter key and fault key of requests no route matches. */
export const unmatched = "UNMATCHED" as const

/** Okta's published per-minute limit of every bucket (a Workforce org), and 1200 for unmatched paths. */
export const defaultRateLimits = Object.fromEntries([
  ...table.map((route) => [route.name, route.rateLimit] as const),
  [unmatched, 1200]
]) as { readonly [R in RouteName | typeof unmatched]: number }

/** What a request path matched. */
export type Match =
  | { readonly _tag: "Route"; readonly route: RouteDef; readonly pathParams: Record<string, string> }
  /** The path is a route's, the method is not: 405, counted in that route's bucket. */
  | { readonly _tag: "WrongMethod"; readonly route: RouteDef }
  | { readonly _tag: "Unmatched" }

/** Finds the route of a request; `segments` is the path split on `/`, each segment URL-decoded. */
export const match = (method: string, segments: ReadonlyArray<string>): Match => {
  let wrongMethod: RouteDef | undefined
  for (const route of table) {
    const params = route.match(segments)
    if (Option.isNone(params)) continue
    if (route.method === method) return { _tag: "Route", route, pathParams: params.value }
    wrongMethod ??= route
  }
  return wrongMethod === undefined ? { _tag: "Unmatched" } : { _tag: "WrongMethod", route: wrongMethod }
}
