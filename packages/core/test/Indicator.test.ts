import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import { Effect, Either, Schema } from "effect"

const reason = (effect: Effect.Effect<Indicator.Indicator, Indicator.InvalidIndicator>) =>
  Effect.map(Effect.flip(effect), (error) => error.message)

describe("Indicator", () => {
  describe("account normalization", () => {
    it.effect.each([
      ["  jsmith@example.com  ", "jsmith@example.com"],
      ["JSmith@Example.COM", "jsmith@example.com"],
      ["\tJSmith@Example.COM\n", "jsmith@example.com"],
      ["JSmith", "JSmith"],
      ["  00u1abcdEFGH  ", "00u1abcdEFGH"],
      ["DOMAIN\\JSmith", "DOMAIN\\JSmith"],
      ["not an@email address", "not an@email address"]
    ])("%j becomes %j", ([input, expected]) =>
      Effect.gen(function*() {
        const indicator = yield* Indicator.account(input)
        expect(indicator).toBeInstanceOf(Indicator.Indicator)
        expect(indicator.type).toBe("account")
        expect(indicator.value).toBe(expected)
      }))

    it.effect("lower-cases only email-shaped accounts (usernames and Okta ids are kept as given)", () =>
      Effect.gen(function*() {
        expect(Indicator.isEmailShaped("a@b")).toBe(true)
        expect(Indicator.isEmailShaped("jsmith")).toBe(false)
        expect(Indicator.isEmailShaped("a@b@c")).toBe(false)
        expect((yield* Indicator.account("Mixed.Case")).value).toBe("Mixed.Case")
      }))

    it.effect("accepts exactly 256 characters", () =>
      Effect.gen(function*() {
        const value = "a".repeat(256)
        expect((yield* Indicator.account(value)).value).toBe(value)
      }))
  })

  describe("rejection", () => {
    it.effect("refuses an empty or blank value", () =>
      Effect.gen(function*() {
        expect(yield* reason(Indicator.account(""))).toBe("invalid account indicator \"\": the value is empty")
        expect(yield* reason(Indicator.account(" \t "))).toBe(
          "invalid account indicator \" \\t \": the value is empty"
        )
      }))

    it.effect("refuses more than 256 characters, saying how long the value was, and shows only its start", () =>
      Effect.gen(function*() {
        const message = yield* reason(Indicator.account("a".repeat(257)))
        expect(message).toBe(
          `invalid account indicator "${"a".repeat(80)}…": the value is 257 characters long (at most 256)`
        )
      }))

    it.effect.each([
      ["a NUL", "jsmith\u0000@example.com", "jsmith\\u0000@example.com"],
      ["a newline inside", "jsmith\n@example.com", "jsmith\\n@example.com"],
      ["an escape sequence", "\u001b[31mjsmith", "\\u001b[31mjsmith"],
      ["DEL", "jsmith\u007f", "jsmith\\u007f"],
      ["a C1 control", "jsmith\u0085x", "jsmith\\u0085x"]
    ])("refuses control characters: %s", ([_, value, shown]) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Indicator.account(value))
        expect(error).toBeInstanceOf(Indicator.InvalidIndicator)
        expect(error._tag).toBe("InvalidIndicator")
        expect(error.reason).toBe("the value contains control characters")
        expect(error.message).toBe(`invalid account indicator "${shown}": the value contains control characters`)
      }))
  })

  describe("validate", () => {
    it("is pure: an Either, no Effect to run", () => {
      expect(Indicator.validate("account", " JSmith@Example.com ")).toEqual(
        Either.right(new Indicator.Indicator({ type: "account", value: "jsmith@example.com" }))
      )
      expect(Indicator.validate("domain", "Example.COM")).toEqual(
        Either.right(new Indicator.Indicator({ type: "domain", value: "example.com" }))
      )
      const invalid = Either.getOrThrow(Either.flip(Indicator.validate("account", "a\u001b[2Jb")))
      expect(invalid.message).toBe("invalid account indicator \"a\\u001b[2Jb\": the value contains control characters")
    })

    it("shows a quote or backslash in a refused value unambiguously", () => {
      const invalid = Either.getOrThrow(Either.flip(Indicator.validate("account", "\"x\\\u0000")))
      expect(invalid.message).toBe(
        "invalid account indicator \"\\\"x\\\\\\u0000\": the value contains control characters"
      )
    })
  })

  describe("normalize", () => {
    it.each(
      [
        ["account", " JSmith@Example.com "],
        ["account", "JSmith"],
        ["domain", "Example.COM"],
        ["email", "A@B.C"],
        ["ip", " 10.0.0.1 "],
        ["account", ""],
        ["account", "a".repeat(257)],
        ["account", "a\u001b[2Jb"]
      ] as const
    )("gives %s %j the value (or the error) validate gives, without building an Indicator", (type, value) => {
      const normalized = Indicator.normalize(type, value)
      const validated = Indicator.validate(type, value)
      expect(Either.map(validated, (indicator) => indicator.value)).toEqual(normalized)
      if (Either.isRight(normalized)) expect(typeof normalized.right).toBe("string")
    })
  })

  describe("decode", () => {
    it.effect("decodes and normalizes { type, value }", () =>
      Effect.gen(function*() {
        const indicator = yield* Indicator.decode({ type: "account", value: " JSmith@Example.com " })
        expect(indicator).toEqual(new Indicator.Indicator({ type: "account", value: "jsmith@example.com" }))
      }))

    it.effect.each([
      [
        "not an object",
        "jsmith",
        "invalid unknown indicator \"\": expected an object { \"type\", \"value\" }, got \"jsmith\""
      ],
      ["null", null, "invalid unknown indicator \"\": expected an object { \"type\", \"value\" }, got null"],
      [
        "an unknown type",
        { type: "user", value: "jsmith" },
        "invalid user indicator \"jsmith\": unknown indicator type \"user\" (expected one of account, email, ip, domain, url, hash)"
      ],
      [
        "a missing type",
        { value: "jsmith" },
        "invalid unknown indicator \"jsmith\": the \"type\" is missing (expected one of account, email, ip, domain, url, hash)"
      ],
      ["a missing value", { type: "account" }, "invalid account indicator \"\": the \"value\" is missing"],
      [
        "a number value",
        { type: "account", value: 42 },
        "invalid account indicator \"\": the \"value\" must be a string, got number"
      ],
      ["an empty value", { type: "account", value: "" }, "invalid account indicator \"\": the value is empty"]
    ])("gives a one-line reason for %s", ([_, input, message]) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Indicator.decode(input))
        expect(error.message).toBe(message)
        expect(error.message).not.toContain("\n")
      }))

    it("validates the Schema class on construction", () => {
      expect(() => new Indicator.Indicator({ type: "user" as any, value: "x" })).toThrow()
      expect(Either.isLeft(Schema.decodeUnknownEither(Indicator.Indicator)({ type: "account" }))).toBe(true)
    })
  })
})
