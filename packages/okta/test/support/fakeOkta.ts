import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Effect, Layer } from "effect"

/** A request the fake Okta saw: method, exact URL and headers (lower-case names). */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * What the fake answers: a `Response`, a network error, a transport failure with the given `cause` (as fetch and
 * undici report them: the code is nested in the cause chain), or never (to exercise timeouts).
 */
export type Reply = Response | "network-error" | "hang" | { readonly transportCause: unknown }

/**
 * A scripted fake `HttpClient`: `script` answers each request (by its index and what was asked). Records every
 * request exactly as it would go on the wire.
 */
export const fakeOkta = (script: (seen: Seen, index: number) => Reply | Effect.Effect<Reply>) => {
  const seen: Array<Seen> = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url: URL) =>
    Effect.gen(function*() {
      const entry: Seen = { method: request.method, url: url.href, headers: { ...request.headers } }
      seen.push(entry)
      const produced = script(entry, seen.length - 1)
      const reply = Effect.isEffect(produced) ? yield* produced : produced
      if (reply === "hang") return yield* Effect.never
      if (reply === "network-error") {
        return yield* Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", description: "ECONNRESET" })
        )
      }
      if ("transportCause" in reply) {
        return yield* Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", cause: reply.transportCause })
        )
      }
      return HttpClientResponse.fromWeb(request, reply)
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** A JSON response with headers (a header given as an array is sent as separate lines). */
export const json = (
  body: unknown,
  options: { status?: number; headers?: Record<string, string | ReadonlyArray<string>> } = {}
): Response => {
  const headers = new Headers({ "content-type": "application/json" })
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (typeof value === "string") headers.set(name, value)
    else for (const v of value) headers.append(name, v)
  }
  return new Response(JSON.stringify(body), { status: options.status ?? 200, headers })
}

/** Okta's error body. */
export const oktaError = (
  status: number,
  errorCode: string,
  errorSummary: string,
  headers: Record<string, string> = {}
): Response =>
  json({ errorCode, errorSummary, errorLink: errorCode, errorId: "oae123", errorCauses: [] }, {
    status,
    headers: { "x-okta-request-id": `req-${status}`, ...headers }
  })

/** A minimal user as Okta returns it. */
export const user = (id: string, login: string, extra: Record<string, unknown> = {}) => ({
  id,
  status: "ACTIVE",
  created: "2024-01-01T00:00:00.000Z",
  lastLogin: null,
  profile: { login, email: login, firstName: "Jane", lastName: "Smith" },
  ...extra
})

/** `n` groups named `prefix-<i>`. */
export const groups = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    id: `00g${String(from + i).padStart(17, "0")}`,
    type: "OKTA_GROUP",
    profile: { name: `group-${from + i}` }
  }))

/**
 * `withClient(script, use, options)` for tests whose clients share `base` options: builds a client (`base`, then
 * `options`) over a fake Okta answering by `script`, and runs `use` with it and the requests seen.
 */
export const withClientOver = (base: OktaClient.Options) =>
<A, E>(
  script: (seen: Seen, index: number) => Reply | Effect.Effect<Reply>,
  use: (client: OktaClient.Service, seen: ReadonlyArray<Seen>) => Effect.Effect<A, E>,
  options: Partial<OktaClient.Options> = {}
) =>
  Effect.gen(function*() {
    const okta = fakeOkta(script)
    const client = yield* OktaClient.make({ ...base, ...options }).pipe(Effect.provide(okta.layer))
    return yield* use(client, okta.seen)
  }).pipe(Effect.scoped)
