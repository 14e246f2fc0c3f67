/**
 * The transport of a handful of lookups: `node:http`/`node:https` with keep-alive agents (the requests of one lookup
 * reuse their connections: one TLS handshake, not four), destroyed when the command's scope closes so that the process
 * exits at once. The bundle resolves this module's `NodeHttpClient` import to the `node:http` client alone, without
 * undici (see `build.mjs`).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"

/** `NodeHttpClient`'s `node:http` client on keep-alive agents. */
export const layer: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerWithoutAgent.pipe(
  Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true }))
)
