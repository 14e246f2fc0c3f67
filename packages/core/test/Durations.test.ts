import { describe, expect, it } from "@effect/vitest"
import * as Durations from "@enrich/core/Durations"
import { ConfigProvider, Duration, Effect, Either } from "effect"

const millis = (text: string, options?: Durations.Options) =>
  Either.map(Durations.parse(text, options), Duration.toMillis)

const reason = (text: string, options?: Durations.Options) =>
  Either.match(Durations.parse(text, options), { onLeft: (error) => error.reason, onRight: () => "accepted" })

describe("Durations", () => {
  describe("parse", () => {
    it.each([
      ["1h", 3_600_000],
      ["90m", 5_400_000],
      ["1d12h", 129_600_000],
      ["1h 30m", 5_400_000],
      ["2w", 1_209_600_000],
      ["45s", 45_000],
      ["500ms", 500],
      ["1.5h", 5_400_000],
      ["1 hour", 3_600_000],
      ["5 minutes", 300_000],
      ["30 seconds", 30_000],
      ["2 days", 172_800_000],
      ["250 millis", 250],
      ["  15M ", 900_000],
      ["P7D", 604_800_000],
      ["PT12H", 43_200_000],
      ["P1DT12H", 129_600_000],
      ["PT1H30M", 5_400_000],
      ["P2W", 1_209_600_000],
      ["PT0.5S", 500],
      ["pt30m", 1_800_000]
    ])("%j is %d ms", (text, expected) => {
      expect(millis(text)).toEqual(Either.right(expected))
    })

    it.each([
      ["", "it is empty"],
      ["   ", "it is empty"],
      ["-5 minutes", "it is negative"],
      ["-1h", "it is negative"],
      ["0", "it is zero"],
      ["0s", "it is zero"],
      ["3600", "a number needs a unit"],
      ["1h30", "a number needs a unit"],
      ["5 parsecs", "unknown unit \"parsecs\""],
      ["garbage", "unrecognized form"],
      ["1e3s", "unknown unit \"e\""],
      ["P1Y", "years and months have no fixed length; use weeks or days"],
      ["P1M", "years and months have no fixed length; use weeks or days"],
      ["PT", "an ISO 8601 duration needs a value"],
      ["0.1ms", "it is less than a millisecond"],
      ["3651d", "it is longer than the maximum of 3650d"],
      ["9".repeat(400) + "d", "it is longer than the maximum of 3650d"]
    ])("refuses %j: %s", (text, expected) => {
      expect(reason(text)).toBe(expected)
    })

    it("accepts zero only when the caller allows it", () => {
      expect(millis("0", { allowZero: true })).toEqual(Either.right(0))
      expect(millis("0s", { allowZero: true })).toEqual(Either.right(0))
      expect(reason("-0s", { allowZero: true })).toBe("it is negative")
    })

    it("honours the caller's maximum", () => {
      expect(reason("2d", { max: "1 day" })).toBe("it is longer than the maximum of 1d")
      expect(millis("1d", { max: "1 day" })).toEqual(Either.right(86_400_000))
    })

    it("says which forms are accepted, and quotes the input escaped and cut", () => {
      const error = Either.getOrThrow(Either.flip(Durations.parse(`\u001b[2J${"x".repeat(5000)}`)))
      expect(error.message).toContain("\"\\u001b[2J")
      expect(error.message).toContain("(5004 characters)")
      expect(error.message).toContain(`expected ${Durations.forms}`)
      expect(error.message.length).toBeLessThan(400)
    })
  })

  describe("config", () => {
    const read = (value: string) =>
      Durations.config("OKTA_CACHE_TTL", { allowZero: true }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OKTA_CACHE_TTL", value]]))),
        Effect.either
      )

    it.effect("reads the forms --ttl takes (OKTA_CACHE_TTL=1h)", () =>
      Effect.gen(function*() {
        const result = yield* read("1h")
        expect(Either.map(result, Duration.toMillis)).toEqual(Either.right(3_600_000))
      }))

    it.effect("refuses a negative value with a ConfigError naming the variable", () =>
      Effect.gen(function*() {
        const error = Either.getOrThrow(Either.flip(yield* read("-5 minutes")))
        expect(error._op).toBe("InvalidData")
        expect(String(error)).toContain("OKTA_CACHE_TTL")
        expect(String(error)).toContain("it is negative")
        expect(String(error)).toContain("PT12H")
      }))
  })
})
