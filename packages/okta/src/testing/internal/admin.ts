/**
 * The admin API under `/__sandbox/` (no token; the server listens on loopback by default): read and reset the
 * counters, set and clear faults. Lets a test or a benchmark in another process steer a running sandbox.
 *
 * @internal
 */
import { Effect, Either, Schema } from "effect"
import type * as Http from "node:http"
import type { Counters } from "./counters.js"
import { Faults } from "./faults.js"
import { readBody, send } from "./server.js"

/** What the admin API can do to the sandbox. */
export interface AdminOps {
  readonly counters: Effect.Effect<Counters>
  readonly resetCounters: Effect.Effect<void>
  readonly setFaults: (route: string, faults: Faults) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
}

const decodeFaultsRequest = Schema.decodeUnknownEither(
  Schema.parseJson(Schema.Struct({ route: Schema.String, faults: Faults }))
)

/** Answers one request under `/__sandbox/`. */
export const handle = (
  ops: AdminOps,
  req: Http.IncomingMessage,
  res: Http.ServerResponse,
  path: string
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const json = (status: number, body: unknown) =>
      send(res, status, { "Content-Type": "application/json" }, JSON.stringify(body))
    const key = `${req.method} ${path}`
    switch (key) {
      case "GET /__sandbox/counters":
        return json(200, yield* ops.counters)
      case "POST /__sandbox/counters/reset":
        yield* ops.resetCounters
        return send(res, 204, {}, undefined)
      case "POST /__sandbox/faults": {
        const decoded = decodeFaultsRequest(yield* readBody(req))
        if (Either.isLeft(decoded)) return json(400, { error: String(decoded.left) })
        yield* ops.setFaults(decoded.right.route, decoded.right.faults)
        return send(res, 204, {}, undefined)
      }
      case "DELETE /__sandbox/faults":
        yield* ops.clearFaults
        return send(res, 204, {}, undefined)
      default:
        return json(404, { error: `Unknown admin endpoint ${key}` })
    }
  })
