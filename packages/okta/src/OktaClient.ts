/**
 * The Okta client: the few Okta management API operations account enrichment needs, over `HttpClient`, with
 * pagination, rate-limit pacing and bounded retries.
 * (Contract: the Service interface and Tag are fixed; the implementation is being written.)
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { OktaError } from "./OktaError.js"
import type { OktaFactor, OktaGroup, OktaRoleAssignment, OktaUser } from "./OktaResources.js"

/**
 * A list read across pages. `complete` is false when pagination had to stop early (a repeated cursor, a known Okta
 * bug, or the page bound); `incompleteReason` then says why, and `items` holds what was read.
 */
export interface Listing<A> {
  readonly items: ReadonlyArray<A>
  readonly complete: boolean
  readonly incompleteReason?: string
}

/** The Okta operations enrichment uses. */
export interface Service {
  /** `GET /api/v1/users/{idOrLogin}`: a user by id, login or unambiguous short name. 404 is `OktaNotFound`. */
  readonly getUser: (idOrLogin: string) => Effect.Effect<OktaUser, OktaError>
  /** `GET /api/v1/users?search=profile.email eq "…"`: every user with that email (DEPROVISIONED included). */
  readonly findUsersByEmail: (email: string) => Effect.Effect<Listing<OktaUser>, OktaError>
  /** `GET /api/v1/users/{id}/groups`, every page. */
  readonly listUserGroups: (userId: string) => Effect.Effect<Listing<OktaGroup>, OktaError>
  /** `GET /api/v1/users/{userId}/factors`. */
  readonly listFactors: (userId: string) => Effect.Effect<ReadonlyArray<OktaFactor>, OktaError>
  /** `GET /api/v1/users/{userId}/roles`, including roles assigned through groups. */
  readonly listRoles: (userId: string) => Effect.Effect<ReadonlyArray<OktaRoleAssignment>, OktaError>
}

/** The Okta client service. */
export class OktaClient extends Context.Tag("@enrich/okta/OktaClient")<OktaClient, Service>() {}
