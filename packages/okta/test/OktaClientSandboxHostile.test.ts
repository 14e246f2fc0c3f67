import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Sandbox } from "@enrich/okta/testing"
import { Effect, Exit, Layer, Logger } from "effect"
import * as Http from "node:http"
import type * as Net from "node:net"

/**
 * The real client against the sandbox's hostile faults over real loopback HTTP, on every transport enrich uses
 * (`fetch` for embedders' default, undici for the CLI's batches, `node:http` on keep-alive agents for its handful of
 * lookups): whatever the server sends, a lookup ends in a value or a typed error, never a crash, a hang or a leaked
 * token.
 */

const transports: ReadonlyArray<[string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["fetch", FetchHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici],
  [
    "node:http",
    NodeHttpClient.layerWithoutAgent.pipe(Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true })))
  ]
]

/** Another origin that counts what reaches it: a redirect or a foreign Link must never get there. */
const otherOrigin = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly hits: () => number; readonly server: Http.Server }>((resume) => {
    let hits = 0
    const server = Http.createServer((_, res) => {
      hits++
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "00uEVIL", profile: {} }))
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({
        url: `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`,
        hits: () => hits,
        server
      })))
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
)

const withFault = <A, E>(
  transport: Layer.Layer<HttpClient.HttpClient>,
  route: Sandbox.Route,
  fault: (other: string) => Sandbox.Fault,
  use: (client: OktaClient.Service, other: { readonly hits: () => number }) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const other = yield* otherOrigin
    const sandbox = yield* Sandbox.make({ faults: { [route]: { script: [fault(other.url)] } } })
    const client = yield* OktaClient.make({
      domain: sandbox.url,
      token: sandbox.token,
      maxRetries: 1,
      retryBackoff: "1 millis",
      retryBackoffCap: "2 millis"
    })
    return yield* use(client, other)
  }).pipe(Effect.scoped, Effect.provide(transport), Effect.provide(Logger.remove(Logger.defaultLogger)))

const user: Sandbox.Route = "GET /api/v1/users/{id}"
const groups: Sandbox.Route = "GET /api/v1/users/{id}/groups"
const token = Sandbox.defaultToken

for (const [name, transport] of transports) {
  describe(`OktaClient against the sandbox's hostile faults (${name})`, () => {
    it.live("a gzip bomb ends in OktaInvalidResponse at the body cap, not in 1 GiB of memory", () =>
      withFault(transport, user, () => Sandbox.gzipBomb(), (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error._tag).toBe("OktaInvalidResponse")
        })))

    it.live("an oversized body ends in OktaInvalidResponse", () =>
      withFault(transport, user, () => Sandbox.oversized(20 * 1024 * 1024), (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error._tag).toBe("OktaInvalidResponse")
        })))

    it.live("200,000 nested arrays end in OktaInvalidResponse", () =>
      withFault(transport, user, () => Sandbox.deeplyNested(), (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error._tag).toBe("OktaInvalidResponse")
        })))

    it.live("a redirect to another origin is not followed: nothing reaches it", () =>
      withFault(transport, user, (other) => Sandbox.redirect(other), (client, other) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error._tag).toBe("OktaInvalidResponse")
          expect(other.hits()).toBe(0)
        })))

    it.live("Link headers to another origin are never followed", () =>
      withFault(transport, groups, (other) => Sandbox.foreignLinks(other), (client, other) =>
        Effect.gen(function*() {
          const paula = yield* client.getUser("paula.groups@example.com")
          const exit = yield* Effect.exit(client.listUserGroups(paula.id))
          if (Exit.isSuccess(exit)) expect(exit.value.complete).toBe(false)
          expect(other.hits()).toBe(0)
        })))

    it.live("a connection reset mid-body is retried once (a transient error), and the retry answers", () =>
      withFault(transport, user, () => Sandbox.resetMidBody, (client) =>
        Effect.gen(function*() {
          // The script holds one fault: the retry gets the normal answer.
          const jsmith = yield* client.getUser("jsmith")
          expect(jsmith.profile.login).toBe("jsmith@example.com")
          expect((yield* client.stats!).retries).toBe(1)
        })))

    it.live("a server echoing Authorization in an error: the token is in no error message", () =>
      withFault(transport, user, () => Sandbox.echoAuthorization({ status: 400 }), (client) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(client.getUser("jsmith"))
          expect(error.message).not.toContain(token)
          expect(JSON.stringify(error)).not.toContain(token)
          expect(String(error)).not.toContain(token)
        })))
  })
}
