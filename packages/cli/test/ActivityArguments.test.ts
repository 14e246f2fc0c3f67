/**
 * `--activity [WINDOW]`, an option whose value may be left out, and `--rules-pack`, checked before @effect/cli parses
 * the line.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as AccountCommand from "../src/AccountCommand.js"
import * as Arguments from "../src/Arguments.js"

const normalize = (...args: Array<string>) => Arguments.normalize(args, [AccountCommand.optionTable])
const problem = (...args: Array<string>) =>
  Either.match(Arguments.check(normalize(...args), [AccountCommand.optionTable]), {
    onLeft: (error) => error.message,
    onRight: () => undefined
  })

describe("--activity [WINDOW]", () => {
  it("alone, last or before another option, it is 7d", () => {
    expect(normalize("account", "jsmith", "--activity")).toEqual(["account", "jsmith", "--activity=7d"])
    expect(normalize("account", "--activity", "--sandbox", "jsmith")).toEqual(
      ["account", "--activity=7d", "--sandbox", "jsmith"]
    )
  })

  it("before an indicator, the indicator stays an indicator", () => {
    expect(normalize("account", "--activity", "victor.sales")).toEqual(["account", "--activity=7d", "victor.sales"])
    expect(normalize("account", "--activity", "paula.groups")).toEqual(["account", "--activity=7d", "paula.groups"])
  })

  it("a window after it is its value: 30d, 24h, P7D, PT12H, -7d (refused later, by the parser)", () => {
    for (const window of ["30d", "24h", "P7D", "pt12h", "-7d", "1.5h"]) {
      expect(normalize("account", "--activity", window, "jsmith")).toEqual(["account", "--activity", window, "jsmith"])
    }
    expect(normalize("account", "--activity=30d", "jsmith")).toEqual(["account", "--activity=30d", "jsmith"])
  })

  it("after --, nothing is touched; other commands are not touched", () => {
    expect(normalize("account", "--", "--activity")).toEqual(["account", "--", "--activity"])
    expect(normalize("rules", "check", "--activity")).toEqual(["rules", "check", "--activity"])
  })

  it("the checks pass it, and refuse it twice", () => {
    expect(problem("account", "jsmith", "--activity")).toBeUndefined()
    expect(problem("account", "--activity", "30d", "jsmith")).toBeUndefined()
    expect(problem("account", "--activity", "--activity", "7d", "jsmith")).toMatch(/--activity is given more than once/)
  })
})

describe("--rules-pack", () => {
  it("accepts compromise and names the packs otherwise", () => {
    expect(problem("account", "--rules-pack", "compromise", "jsmith")).toBeUndefined()
    expect(problem("account", "--rules-pack=compromise", "jsmith")).toBeUndefined()
    expect(problem("account", "--rules-pack", "nope", "jsmith")).toMatch(
      /--rules-pack "nope": expected one of compromise/
    )
  })
})

describe("parseActivity", () => {
  it("a window within 90 days, or an error naming --activity", () => {
    const ok = Effect.runSync(AccountCommand.parseActivity(Option.some("P30D")))
    expect(ok === undefined ? 0 : Duration.toMillis(ok)).toBe(30 * 86_400_000)
    expect(Effect.runSync(AccountCommand.parseActivity(Option.none()))).toBeUndefined()
    for (const text of ["91d", "-7d", "0", "soon", "9".repeat(500)]) {
      const error = Effect.runSync(Effect.flip(AccountCommand.parseActivity(Option.some(text))))
      expect(error.message).toMatch(/^--activity: /)
    }
  })
})
