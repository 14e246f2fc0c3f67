import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Provider from "@enrich/core/Provider"
import { FakeProvider } from "@enrich/core/testing"
import { Effect, Fiber, Option, TestClock } from "effect"

const jsmith = new Indicator.Indicator({ type: "account", value: "jsmith@example.com" })

describe("FakeProvider", () => {
  it.effect("answers canned lookups by value, not found otherwise, and counts the calls", () =>
    Effect.gen(function*() {
      const fake = FakeProvider.make({
        lookups: {
          "jsmith@example.com": FakeProvider.found({ status: "ACTIVE" }),
          "dynamic": (indicator) => FakeProvider.found({ login: indicator.value })
        }
      })
      expect(fake.name).toBe("fake")
      expect(fake.indicatorTypes).toEqual(["account"])
      expect(fake.rules).toBe(MaliceRules.empty)
      expect(yield* fake.enrich(jsmith)).toEqual(FakeProvider.found({ status: "ACTIVE" }))
      expect(yield* fake.enrich(new Indicator.Indicator({ type: "account", value: "dynamic" }))).toEqual(
        FakeProvider.found({ login: "dynamic" })
      )
      const ghost = yield* fake.enrich(new Indicator.Indicator({ type: "account", value: "ghost" }))
      expect(ghost).toBeInstanceOf(Provider.NotFound)
      // An inherited property name is not an answer.
      const proto = yield* fake.enrich(new Indicator.Indicator({ type: "account", value: "toString" }))
      expect(proto).toBeInstanceOf(Provider.NotFound)
      expect(yield* fake.calls).toBe(4)
      expect(yield* fake.callsFor("jsmith@example.com")).toBe(1)
    }))

  it.effect("fails every lookup with failWith", () =>
    Effect.gen(function*() {
      const fake = FakeProvider.make({ name: "okta", failWith: "Okta answered 429" })
      const error = yield* Effect.flip(fake.enrich(jsmith))
      expect(error).toEqual(new Provider.ProviderError({ provider: "okta", reason: "Okta answered 429" }))
      expect(error.message).toBe("Okta answered 429")
    }))

  it.effect("takes its latency on the Clock and tracks lookups in flight and interrupted", () =>
    Effect.gen(function*() {
      const fake = FakeProvider.make({ latency: "1 second" })
      const first = yield* Effect.fork(fake.enrich(jsmith))
      const second = yield* Effect.fork(fake.enrich(jsmith))
      yield* TestClock.adjust("999 millis")
      expect(Option.isNone(yield* Fiber.poll(first))).toBe(true)
      expect(yield* fake.inFlight).toBe(2)
      yield* Fiber.interrupt(second)
      yield* TestClock.adjust("1 milli")
      expect(yield* Fiber.join(first)).toBeInstanceOf(Provider.NotFound)
      expect(yield* fake.inFlight).toBe(0)
      expect(yield* fake.maxInFlight).toBe(2)
      expect(yield* fake.interrupted).toBe(1)
    }))

  it("decodes TTL inputs and adds found: true to extracted fields", () => {
    const fake = FakeProvider.make({ cacheTtl: { account: "2 hours" }, notFoundTtl: "1 minute" })
    expect(Provider.ttlOf(fake, "account", FakeProvider.found({}))).toEqual(Provider.ttlOf(
      { ...fake, cacheTtl: { account: FakeProvider.make({ cacheTtl: { account: "120 minutes" } }).cacheTtl.account! } },
      "account",
      FakeProvider.found({})
    ))
    expect(Provider.ttlOf(fake, "account", FakeProvider.notFound)).toEqual(Provider.ttlOf(
      FakeProvider.make({ notFoundTtl: "60 seconds" }),
      "account",
      FakeProvider.notFound
    ))
    expect(FakeProvider.found({ a: 1 }).extracted).toEqual({ found: true, a: 1 })
  })
})
