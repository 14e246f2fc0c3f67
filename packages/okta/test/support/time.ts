import { Chunk, Effect, Fiber, Option, TestClock } from "effect"

/**
 * Runs `effect` in a fiber and moves the test clock from one scheduled wake-up to the next until it is done: the test
 * sees exactly the times the code asked to sleep until, without real sleeps.
 */
export const runWithTime = <A, E>(effect: Effect.Effect<A, E>, maxSteps = 10_000) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSteps; i++) {
      yield* Effect.yieldNow()
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.isEmpty(sleeps)) continue
      yield* TestClock.setTime(Math.min(...Chunk.toReadonlyArray(sleeps)))
    }
    return yield* Fiber.join(fiber)
  })
