/**
 * The authorization server family: `POST /oauth2/v1/token` (`client_credentials` with a `private_key_jwt` assertion,
 * DPoP), answered by the sandbox's {@link SandboxOAuth} server. No API credentials: the assertion is the credential.
 *
 * @internal
 */
import { Effect } from "effect"
import * as Route from "../route.js"

export const token = Route.define("POST /oauth2/v1/token", {
  // Okta's per-minute limit of /oauth2/v1/token for a Workforce org (a bucket of its own).
  rateLimit: 600,
  auth: "none",
  handle: (request) =>
    Effect.flatMap(request.body, (body) => {
      const headers: Record<string, string | undefined> = {}
      for (const name in request.headers) {
        const value = request.headers[name]
        headers[name] = Array.isArray(value) ? value.join(", ") : value
      }
      return Effect.map(
        request.oauth.token({ method: "POST", url: request.url, headers, body }),
        (reply) => ({ status: reply.status, body: reply.body, headers: reply.headers })
      )
    })
})

export const routes = [token] as const
