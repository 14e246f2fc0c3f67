/**
 * A route of the sandbox: its name (method and path template, which is also its rate-limit bucket and its key in the
 * counters and fault settings), Okta's default per-minute limit for it, whether it needs API credentials, and a
 * handler from a parsed request to a {@link Reply}. Each route family module exports its routes; `routeTable`
 * lists them.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import type * as Http from "node:http"
import type * as SandboxOAuth from "../SandboxOAuth.js"
import type { Org } from "./org/model.js"
import type { ErrorBody, Reply } from "./wire.js"

/** What a handler gets: the org, the path parameters and query, the time, and Okta's wire helpers. */
export interface RouteRequest {
  readonly org: Org
  /** Path parameters by their template name (`{id}` -> `pathParams.id`), URL-decoded. */
  readonly pathParams: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  /** The request body as text (empty for GET). */
  readonly body: Effect.Effect<string>
  /** When the request arrived, in epoch milliseconds (Effect's `Clock`). */
  readonly now: number
  readonly error: ErrorBody
  /** The request's `rel="self"` Link line. */
  readonly selfLink: string
  /** The request's absolute URL without the query (what a DPoP proof's `htu` names). */
  readonly url: string
  /** The sandbox's authorization server (`POST /oauth2/v1/token`). */
  readonly oauth: SandboxOAuth.Service
  /** `self` and `next` Link lines of a page (honours the route's `repeatNextCursor` fault). */
  readonly pagedLinks: (next: Option.Option<string>, limit: number) => Array<string>
}

/** One route; build it with {@link define}. */
export interface RouteDef<Name extends string = string> {
  readonly name: Name
  readonly method: string
  /** Okta's default per-minute limit of this route's bucket. */
  readonly rateLimit: number
  /** `"api"`: the request must pass the sandbox's authenticators; `"none"`: no credentials needed. */
  readonly auth: "api" | "none"
  readonly handle: (request: RouteRequest) => Reply | Effect.Effect<Reply>
  /** The path parameters if `segments` (the path split on `/`, decoded) fit this route's template. */
  readonly match: (segments: ReadonlyArray<string>) => Option.Option<Record<string, string>>
}

/** A route from its name (`"GET /api/v1/users/{id}"`): `{x}` matches one non-empty path segment. */
export const define = <const Name extends `${string} /${string}`>(
  name: Name,
  options: {
    readonly rateLimit: number
    readonly auth?: "api" | "none" | undefined
    readonly handle: (request: RouteRequest) => Reply | Effect.Effect<Reply>
  }
): RouteDef<Name> => {
  const space = name.indexOf(" ")
  const template = name.slice(space + 1).split("/")
  return {
    name,
    method: name.slice(0, space),
    rateLimit: options.rateLimit,
    auth: options.auth ?? "api",
    handle: options.handle,
    match: (segments) => {
      if (segments.length !== template.length) return Option.none()
      const params: Record<string, string> = {}
      for (let i = 0; i < template.length; i++) {
        const part = template[i]
        if (part.startsWith("{") && part.endsWith("}")) {
          if (segments[i] === "") return Option.none()
          params[part.slice(1, -1)] = segments[i]
        } else if (part !== segments[i]) {
          return Option.none()
        }
      }
      return Option.some(params)
    }
  }
}

/** Runs a handler whether it answers directly or as an Effect. */
export const run = (route: RouteDef, request: RouteRequest): Effect.Effect<Reply> => {
  const reply = route.handle(request)
  return Effect.isEffect(reply) ? reply : Effect.succeed(reply)
}
