/**
 * Queries of the users family: `GET /api/v1/users/{idOrLogin}` and `GET /api/v1/users` with `search`, `filter`
 * and `q`. Public through `SandboxOrg`.
 *
 * @internal
 */
import { Either, Option } from "effect"
import * as SearchExpression from "../../SearchExpression.js"
import type { Org, OrgUser } from "./model.js"
import type { OktaUserJson } from "./seed.js"

/**
 * Finds a user the way `GET /api/v1/users/{idOrLogin}` does: by id, by login (ignoring case) or by an unambiguous
 * login short name (`jsmith` for `jsmith@example.com`). A value containing `/` matches ids only, like Okta.
 *
 * @since 0.1.0
 */
export const findUser = (org: Org, idOrLogin: string): Option.Option<OrgUser> => {
  const byId = org.usersById.get(idOrLogin)
  if (byId !== undefined) return Option.some(byId)
  if (idOrLogin.includes("/")) return Option.none()
  const lower = idOrLogin.toLowerCase()
  const byLogin = org.usersByLogin.get(lower)
  if (byLogin !== undefined) return Option.some(byLogin)
  const byShortName = org.usersByShortName.get(lower)
  return byShortName !== undefined && byShortName.length === 1 ? Option.some(byShortName[0]) : Option.none()
}

/**
 * `GET /api/v1/users/{idOrLogin}`.
 *
 * @since 0.1.0
 */
export const getUser = (org: Org, idOrLogin: string): Option.Option<OktaUserJson> =>
  Option.map(findUser(org, idOrLogin), (user) => user.json)

/**
 * `GET /api/v1/users` without a query: every user except DEPROVISIONED ones.
 *
 * @since 0.1.0
 */
export const listUsers = (org: Org): ReadonlyArray<OktaUserJson> =>
  org.users.filter((user) => user.json.status !== "DEPROVISIONED").map((user) => user.json)

const coAttributes: ReadonlySet<string> = new Set([
  "profile.firstName",
  "profile.lastName",
  "profile.email",
  "profile.login"
])

const checkSearch = (source: string, expression: SearchExpression.Expression): Option.Option<string> => {
  switch (expression._tag) {
    case "And":
    case "Or":
      return Option.orElse(checkSearch(source, expression.left), () => checkSearch(source, expression.right))
    case "Present":
      return Option.none()
    case "Compare":
      if (expression.operator === "ne" || expression.operator === "ew") {
        return Option.some(`the ${expression.operator} operator is not supported by search`)
      }
      if (expression.operator === "co" && !coAttributes.has(expression.attribute)) {
        return Option.some(`co can only be used with ${[...coAttributes].join(", ")}`)
      }
      return Option.none()
  }
}

const filterAttributes: ReadonlySet<string> = new Set([
  "status",
  "lastUpdated",
  "id",
  "profile.login",
  "profile.email",
  "profile.firstName",
  "profile.lastName"
])

const checkFilter = (expression: SearchExpression.Expression): Option.Option<string> => {
  switch (expression._tag) {
    case "And":
    case "Or":
      return Option.orElse(checkFilter(expression.left), () => checkFilter(expression.right))
    case "Present":
      return Option.some("filter does not support the pr operator")
    case "Compare":
      if (!filterAttributes.has(expression.attribute)) {
        return Option.some(`filter does not support ${expression.attribute}; use search`)
      }
      if (expression.operator === "eq") return Option.none()
      if (expression.attribute === "lastUpdated" && ["gt", "ge", "lt", "le"].includes(expression.operator)) {
        return Option.none()
      }
      return Option.some(`filter does not support ${expression.operator} on ${expression.attribute}; use search`)
  }
}

const parseChecked = (
  input: string,
  check: (expression: SearchExpression.Expression) => Option.Option<string>
): Either.Either<SearchExpression.Expression, SearchExpression.SearchSyntaxError> =>
  Either.flatMap(SearchExpression.parse(input), (expression) =>
    Option.match(check(expression), {
      onNone: () => Either.right(expression),
      onSome: (reason) =>
        Either.left(new SearchExpression.SearchSyntaxError({ expression: input, position: 0, reason }))
    }))

/**
 * `GET /api/v1/users?search=`: case-insensitive values, DEPROVISIONED users included.
 *
 * @since 0.1.0
 */
export const searchUsers = (
  org: Org,
  search: string
): Either.Either<ReadonlyArray<OktaUserJson>, SearchExpression.SearchSyntaxError> =>
  Either.map(
    parseChecked(search, (expression) => checkSearch(search, expression)),
    (expression) =>
      org.users.filter((user) => SearchExpression.evaluate(expression, user.json, { caseInsensitive: true })).map((
        user
      ) => user.json)
  )

/**
 * `GET /api/v1/users?filter=`: case-sensitive values, only the fields and operators Okta allows in `filter`,
 * DEPROVISIONED users included.
 *
 * @since 0.1.0
 */
export const filterUsers = (
  org: Org,
  filter: string
): Either.Either<ReadonlyArray<OktaUserJson>, SearchExpression.SearchSyntaxError> =>
  Either.map(
    parseChecked(filter, checkFilter),
    (expression) =>
      org.users.filter((user) => SearchExpression.evaluate(expression, user.json, { caseInsensitive: false })).map((
        user
      ) => user.json)
  )

/**
 * `GET /api/v1/users?q=`: prefix match (ignoring case) on first name, last name or email; DEPROVISIONED users
 * omitted. Okta does not page these results; the caller applies `limit` (default 10).
 *
 * @since 0.1.0
 */
export const qUsers = (org: Org, q: string): ReadonlyArray<OktaUserJson> => {
  const prefix = q.toLowerCase()
  const starts = (value: unknown) => typeof value === "string" && value.toLowerCase().startsWith(prefix)
  return org.users
    .filter((user) =>
      user.json.status !== "DEPROVISIONED" &&
      (starts(user.json.profile.firstName) || starts(user.json.profile.lastName) || starts(user.json.profile.email))
    )
    .map((user) => user.json)
}
