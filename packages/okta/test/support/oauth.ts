/**
 * Test kit for OAuth: key fixtures in every supported form, an in-process `HttpClient` that hands requests to a
 * `SandboxOAuth` (token endpoint + scope-checked resource routes) while recording every secret that crossed it, a
 * real node:http server mounting the same handlers, the client's retry-on-challenge loop, and a log capture.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Effect, Logger, Runtime } from "effect"
import type { JWK } from "jose"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type * as OktaOAuth from "../../src/OktaOAuth.js"
import type * as SandboxOAuth from "../../src/testing/SandboxOAuth.js"

export const clientId = "0oa1serviceapp"
export const origin = "https://acme.okta.com"
export const tokenUrl = `${origin}/oauth2/v1/token`

export interface KeyFixture {
  readonly pkcs8: string
  readonly traditional: string
  readonly publicPem: string
  readonly privateJwk: JWK
  readonly publicJwk: JWK
}

const fixture = (pair: Crypto.KeyPairKeyObjectResult, kid: string): KeyFixture => {
  const rsa = pair.privateKey.asymmetricKeyType === "rsa"
  return {
    pkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    traditional: pair.privateKey.export({ type: rsa ? "pkcs1" : "sec1", format: "pem" }).toString(),
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateJwk: { ...pair.privateKey.export({ format: "jwk" }), kid } as JWK,
    publicJwk: { ...pair.publicKey.export({ format: "jwk" }), kid } as JWK
  }
}

export const rsa = fixture(Crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }), "rsa-kid-1")
export const ec256 = fixture(Crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }), "ec-kid-256")
export const ec384 = fixture(Crypto.generateKeyPairSync("ec", { namedCurve: "P-384" }), "ec-kid-384")

/** The route's required scope, as the sandbox enforces it. */
export const scopeFor = (path: string): string =>
  path.endsWith("/roles") ? "okta.roles.read" : path.startsWith("/api/v1/logs") ? "okta.logs.read" : "okta.users.read"

/** Everything secret that crossed the wire: access tokens, assertions, proofs. */
export interface Capture {
  readonly secrets: Array<string>
  tokenRequests: number
  readonly tokenScopes: Array<string>
  readonly assertions: Array<string>
}

const answer = (sandbox: SandboxOAuth.Service, capture: Capture) =>
(
  method: string,
  url: URL,
  headers: Record<string, string | undefined>,
  body: string
): Effect.Effect<SandboxOAuth.Reply> =>
  Effect.gen(function*() {
    const authorization = headers["authorization"]
    if (authorization !== undefined) capture.secrets.push(authorization.replace(/^\S+ /, ""))
    if (headers["dpop"] !== undefined) capture.secrets.push(headers["dpop"])
    if (method === "POST" && url.pathname === "/oauth2/v1/token") {
      capture.tokenRequests++
      const form = new URLSearchParams(body)
      capture.tokenScopes.push(form.get("scope") ?? "")
      const assertion = form.get("client_assertion")
      if (assertion !== null) {
        capture.secrets.push(assertion)
        capture.assertions.push(assertion)
      }
      const reply = yield* sandbox.token({ method, url: url.href, headers, body })
      const issued = (reply.body as { access_token?: string }).access_token
      if (issued !== undefined) capture.secrets.push(issued)
      return reply
    }
    const verdict = yield* sandbox.verifyResourceRequest({ method, url: url.href, headers }, scopeFor(url.pathname))
    return verdict._tag === "Authorized" ?
      { status: 200, headers: { "content-type": "application/json" }, body: { ok: true } } :
      verdict.reply
  })

export const newCapture = (): Capture => ({ secrets: [], tokenRequests: 0, tokenScopes: [], assertions: [] })

/** An in-process `HttpClient` whose requests go straight to the sandbox's handlers. */
export const sandboxClient = (sandbox: SandboxOAuth.Service, capture: Capture): HttpClient.HttpClient => {
  const handle = answer(sandbox, capture)
  return HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      const reply = yield* handle(request.method, url, { ...request.headers }, body)
      return HttpClientResponse.fromWeb(
        request,
        new Response(JSON.stringify(reply.body), { status: reply.status, headers: reply.headers })
      )
    })
  )
}

/** A real node:http server mounting the sandbox's handlers; closed with the scope. Returns its origin. */
export const sandboxServer = (sandbox: SandboxOAuth.Service, capture: Capture) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const handle = answer(sandbox, capture)
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const headers: Record<string, string | undefined> = {}
        for (const [name, value] of Object.entries(req.headers)) {
          headers[name] = Array.isArray(value) ? value.join(", ") : value
        }
        const url = new URL(req.url ?? "/", `http://${req.headers.host}`)
        Runtime.runPromise(runtime)(handle(req.method ?? "GET", url, headers, Buffer.concat(chunks).toString()))
          .then((reply) => {
            res.writeHead(reply.status, reply.headers)
            res.end(JSON.stringify(reply.body))
          }, () => {
            res.writeHead(500)
            res.end()
          })
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
    )
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

/**
 * The client's side of the seam: authenticate, send, and on a 401/403 ask `challenge`; on "retry" authenticate and
 * send once more. Returns the final status.
 */
export const call = (
  auth: OktaOAuth.Service,
  http: HttpClient.HttpClient,
  url: string
) =>
  Effect.gen(function*() {
    const request = HttpClientRequest.get(url)
    const sent = yield* auth.authenticate(request)
    const response = yield* http.execute(sent)
    if (response.status !== 401 && response.status !== 403) return response.status
    const verdict = yield* auth.challenge(sent, response)
    if (verdict === "fail") return response.status
    const again = yield* auth.authenticate(request)
    return (yield* http.execute(again)).status
  })

/** A logger that keeps every line (message, annotations, cause) at every level. */
export const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ annotations, cause, message }) => {
    lines.push(`${JSON.stringify(message)} ${JSON.stringify([...annotations])} ${String(cause)}`)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}
