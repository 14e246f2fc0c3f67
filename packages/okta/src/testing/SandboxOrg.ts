/**
 * The sandbox's Okta org: a seed file (users, groups, factors, roles, System Log events as Okta sends them) and pure
 * queries over it that return Okta JSON exactly as the Management API would. The HTTP sandbox and the in-memory
 * OktaClient fake are both built on these queries.
 *
 * The implementation lives in `internal/org/`: the seed format (`seed`), the loaded org (`model`), cursor paging
 * (`paging`) and one module of queries per route family (`users`, `groups`, `factors`, `roles`, `logs`).
 *
 * @since 0.1.0
 */
export {
  /** @since 0.1.0 */
  GeneratedGroups,
  /** @since 0.1.0 */
  OktaFactorJson,
  /** @since 0.1.0 */
  OktaGroupJson,
  /** @since 0.1.0 */
  OktaLogEventJson,
  /** @since 0.1.0 */
  OktaRoleJson,
  /** @since 0.1.0 */
  OktaUserJson,
  /** @since 0.1.0 */
  SandboxOrgError,
  /** @since 0.1.0 */
  SeedFile,
  /** @since 0.1.0 */
  SeedGroup,
  /** @since 0.1.0 */
  SeedUser,
  /** @since 0.1.0 */
  UserStatus
} from "./internal/org/seed.js"

export {
  /** @since 0.1.0 */
  defaultOrg,
  /** @since 0.1.0 */
  fromJson,
  /** @since 0.1.0 */
  load,
  /** @since 0.1.0 */
  type Org,
  /** @since 0.1.0 */
  type OrgGroup,
  /** @since 0.1.0 */
  type OrgUser
} from "./internal/org/model.js"

export {
  /** @since 0.1.0 */
  type Page,
  /** @since 0.1.0 */
  paginate
} from "./internal/org/paging.js"

export {
  /** @since 0.1.0 */
  filterUsers,
  /** @since 0.1.0 */
  findUser,
  /** @since 0.1.0 */
  getUser,
  /** @since 0.1.0 */
  listUsers,
  /** @since 0.1.0 */
  qUsers,
  /** @since 0.1.0 */
  searchUsers
} from "./internal/org/users.js"

export {
  /** @since 0.1.0 */
  listUserGroups
} from "./internal/org/groups.js"

export {
  /** @since 0.1.0 */
  listFactors
} from "./internal/org/factors.js"

export {
  /** @since 0.1.0 */
  listRoles
} from "./internal/org/roles.js"

export {
  /** @since 0.1.0 */
  InvalidLogQuery,
  /** @since 0.1.0 */
  listLogs,
  /** @since 0.1.0 */
  type LogQuery
} from "./internal/org/logs.js"
