/**
 * An in-memory {@link OktaClient.OktaClient} over a sandbox org: the same answers the HTTP sandbox gives, without
 * HTTP, rate limits or retries. For tests of code that uses the client (providers, the CLI) that do not care about
 * the wire.
 *
 * Responses are decoded with the same Schemas as the real client's, so a seed that the real client would reject is
 * rejected here too (as `OktaInvalidResponse`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as OktaClient from "../OktaClient.js"
import { OktaBadRequest, type OktaError, OktaInvalidResponse, OktaNotFound } from "../OktaError.js"
import { OktaFactor, OktaGroup, OktaRoleAssignment, OktaUser } from "../OktaResources.js"
import * as SandboxOrg from "./SandboxOrg.js"

const decode = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: unknown): Effect.Effect<A, OktaError> =>
  Schema.decodeUnknown(schema)(value).pipe(
    Effect.mapError((error) =>
      new OktaInvalidResponse({ operation, problem: ParseResult.TreeFormatter.formatErrorSync(error) })
    )
  )

const notFound = (operation: string) =>
  new OktaNotFound({ operation, errorCode: "E0000007", errorSummary: "Not found: Resource not found" })

const found = <A, I>(operation: string, schema: Schema.Schema<A, I>, value: Option.Option<unknown>) =>
  Option.match(value, {
    onNone: () => Effect.fail(notFound(operation)),
    onSome: (json) => decode(operation, schema, json)
  })

/**
 * The client's operations answered from `org`. Users are found by id, login or unambiguous short name (ignoring
 * case), emails by Okta's `search` expression (DEPROVISIONED users included), groups without paging.
 */
export const make = (org: SandboxOrg.Org = SandboxOrg.defaultOrg): OktaClient.Service =>
  OktaClient.OktaClient.of({
    getUser: (idOrLogin) =>
      found(`GET /api/v1/users/${encodeURIComponent(idOrLogin)}`, OktaUser, SandboxOrg.getUser(org, idOrLogin)),
    findUsersByEmail: (email) => {
      const operation = "GET /api/v1/users?search"
      return Either.match(SandboxOrg.searchUsers(org, OktaClient.emailSearch(email)), {
        onLeft: (error) =>
          Effect.fail(
            new OktaBadRequest({ operation, status: 400, errorCode: "E0000031", errorSummary: error.message })
          ),
        onRight: (users) =>
          Effect.map(decode(operation, Schema.Array(OktaUser), users), (items) => ({ items, complete: true }))
      })
    },
    listUserGroups: (userId) =>
      Effect.map(
        found(`GET /api/v1/users/${userId}/groups`, Schema.Array(OktaGroup), SandboxOrg.listUserGroups(org, userId)),
        (items) => ({ items, complete: true })
      ),
    listFactors: (userId) =>
      found(`GET /api/v1/users/${userId}/factors`, Schema.Array(OktaFactor), SandboxOrg.listFactors(org, userId)),
    listRoles: (userId) =>
      found(`GET /api/v1/users/${userId}/roles`, Schema.Array(OktaRoleAssignment), SandboxOrg.listRoles(org, userId))
  })

/** An in-memory Okta client layer over `org` (default: the bundled seed org). */
export const layer = (org: SandboxOrg.Org = SandboxOrg.defaultOrg): Layer.Layer<OktaClient.OktaClient> =>
  Layer.succeed(OktaClient.OktaClient, make(org))
