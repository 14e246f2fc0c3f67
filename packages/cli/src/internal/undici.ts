/**
 * The undici transport, in a module of its own so the bundler puts it (and the undici package) in a chunk that only
 * a batch loads: `Wiring` imports `node:http`'s layer statically from the same `NodeHttpClient` module, and a dynamic
 * import of that module itself would make all of it, undici included, part of every start-up.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"

/** `NodeHttpClient.layerUndici`: undici's global dispatcher, used by batches. */
export const layer = NodeHttpClient.layerUndici
