import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Sandbox } from "@enrich/okta/testing"
import { Effect, Redacted } from "effect"

/** The client against the HTTP sandbox over real loopback HTTP: what the unit tests fake, end to end. */
const withSandboxClient = <A, E>(
  use: (client: OktaClient.Service, sandbox: Sandbox.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox.make()
    const client = yield* OktaClient.make({ domain: sandbox.url, token: sandbox.token })
    return yield* use(client, sandbox)
  }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))

describe("OktaClient against the sandbox", () => {
  it.live("reads a user, all 450+ of a user's groups across pages, factors, roles and an email search", () =>
    withSandboxClient((client, sandbox) =>
      Effect.gen(function*() {
        const jsmith = yield* client.getUser("jsmith@example.com")
        expect(jsmith.profile.login).toBe("jsmith@example.com")
        const [factors, roles] = yield* Effect.all([client.listFactors(jsmith.id), client.listRoles(jsmith.id)])
        expect(factors.length).toBeGreaterThan(0)
        expect(Array.isArray(roles)).toBe(true)

        const paula = yield* client.getUser("paula.groups@example.com")
        const groups = yield* client.listUserGroups(paula.id)
        expect(groups.complete).toBe(true)
        expect(groups.items.filter((g) => g.profile.name.startsWith("Project Team "))).toHaveLength(450)

        const found = yield* client.findUsersByEmail("JSMITH@example.com")
        expect(found.items.map((u) => u.id)).toEqual([jsmith.id])
        const counters = yield* sandbox.counters
        expect(counters.rateLimited).toBe(0)
        expect((yield* client.stats!).requests).toBe(counters.requests)
      })
    ))

  it.live("maps the sandbox's 404 and 401 to typed errors", () =>
    withSandboxClient((client, sandbox) =>
      Effect.gen(function*() {
        const missing = yield* Effect.flip(client.getUser("nobody@example.com"))
        expect(missing).toMatchObject({ _tag: "OktaNotFound", errorCode: "E0000007" })
        expect(missing.requestId).toBeDefined()
        const slash = yield* client.getUser("svc/backup@example.com").pipe(Effect.flip)
        expect(slash._tag).toBe("OktaNotFound") // Okta finds logins with "/" only by id: the path stayed intact
        const wrong = yield* OktaClient.make({ domain: sandbox.url, token: Redacted.make("not-the-token") }).pipe(
          Effect.flatMap((other) => Effect.flip(other.getUser("jsmith"))),
          Effect.provide(NodeHttpClient.layerUndici),
          Effect.scoped
        )
        expect(wrong._tag).toBe("OktaUnauthorized")
        expect(wrong.message).toContain("OKTA_API_TOKEN is invalid or expired")
      })
    ))
})
