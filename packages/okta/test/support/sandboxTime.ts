import { Chunk, Effect, Fiber, Option, TestClock } from "effect"

/** Yields to Node's event loop (a macrotask turn), so socket I/O in flight can progress. */
export const ioTurn: Effect.Effect<void> = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

/** What the driver must know to tell "waiting for the clock" from "waiting for the network". */
export interface InFlight {
  /** Requests the client has sent and not yet read the answer of. */
  readonly client: Effect.Effect<number>
  /** Requests the sandbox has received and not yet answered. */
  readonly server: Effect.Effect<number>
}

/**
 * Runs `effect` against a real loopback server while time is driven by `TestClock`: the clock moves to the next
 * scheduled wake-up only when every request the client has in flight is being held by the server (which then waits on
 * the clock too, e.g. injected latency), never while a request or an answer is still on the wire. No real sleeps: the loop gives
 * the event loop a turn, and otherwise moves time exactly as far as the code asked to sleep.
 */
export const runWithSandboxTime = <A, E>(effect: Effect.Effect<A, E>, inFlight: InFlight, maxSteps = 200_000) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSteps; i++) {
      yield* ioTurn
      if (Option.isSome(yield* Fiber.poll(fiber))) return yield* Fiber.join(fiber)
      const client = yield* inFlight.client
      const server = yield* inFlight.server
      // More in flight at the client than at the server: something is on the wire. (The server may hold more: a
      // request the client gave up on, still sleeping through its injected latency.)
      if (client > server) continue
      // Two more turns: a fiber woken by the last answer gets to send its next request before time moves on.
      yield* ioTurn
      yield* ioTurn
      if ((yield* inFlight.client) !== client || (yield* inFlight.server) !== server) continue
      if (Option.isSome(yield* Fiber.poll(fiber))) return yield* Fiber.join(fiber)
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.isEmpty(sleeps)) continue
      yield* TestClock.setTime(Math.min(...Chunk.toReadonlyArray(sleeps)))
    }
    return yield* Effect.dieMessage(`runWithSandboxTime: not done after ${maxSteps} steps`)
  })
