import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Permits } from "../src/internal/permits.js"

describe("Permits (enrichAll's bound on enrichments in flight)", () => {
  it.effect("gives a free permit at once, in one synchronous check", () =>
    Effect.gen(function*() {
      const permits = new Permits(2)
      yield* permits.take
      yield* permits.take
      const third = yield* Effect.fork(permits.take)
      yield* Effect.yieldNow()
      expect(third.unsafePoll()).toBeNull()
      permits.release()
      yield* Fiber.join(third)
    }))

  it.effect("tryTake takes a free permit synchronously and reports when none is free", () =>
    Effect.gen(function*() {
      const permits = new Permits(1)
      expect(permits.tryTake()).toBe(true)
      expect(permits.tryTake()).toBe(false)
      const waiting = yield* Effect.fork(permits.take)
      yield* Effect.yieldNow()
      permits.release()
      yield* Fiber.join(waiting)
      expect(permits.tryTake()).toBe(false)
      permits.release()
      expect(permits.tryTake()).toBe(true)
    }))

  it.effect("a release with nobody waiting keeps the permit for the next take", () =>
    Effect.gen(function*() {
      const permits = new Permits(1)
      yield* permits.take
      permits.release()
      yield* permits.take
      const waiting = yield* Effect.fork(permits.take)
      yield* Effect.yieldNow()
      expect(waiting.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(waiting)
    }))

  it.effect("an interrupted wait takes nothing: the permit given back goes to the next taker", () =>
    Effect.gen(function*() {
      const permits = new Permits(1)
      yield* permits.take
      const interrupted = yield* Effect.fork(permits.take)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(interrupted)
      permits.release()
      yield* permits.take
      const next = yield* Effect.fork(permits.take)
      yield* Effect.yieldNow()
      expect(next.unsafePoll()).toBeNull()
      permits.release()
      yield* Fiber.join(next)
    }))

  it.effect("a fiber's observer gives its permit back however the fiber ends", () =>
    Effect.gen(function*() {
      const permits = new Permits(1)
      for (const end of [Effect.void, Effect.fail("no"), Effect.die("bug"), Effect.never]) {
        yield* permits.take
        const fiber = yield* Effect.fork(end)
        fiber.addObserver(permits.release)
        if (end === Effect.never) yield* Fiber.interrupt(fiber)
        else yield* Fiber.await(fiber)
      }
      yield* permits.take
    }))
})
