/**
 * The argument preprocessing of the command tree.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cli from "../src/Cli.js"

describe("Cli.hoistLogLevel", () => {
  it("moves --log-level and its value to the front, keeping every other argument in order", () => {
    expect(Cli.hoistLogLevel(["node", "enrich", "account", "--input", "f.txt", "--log-level", "info", "x"]))
      .toStrictEqual(["node", "enrich", "--log-level", "info", "account", "--input", "f.txt", "x"])
    expect(Cli.hoistLogLevel(["node", "enrich", "account", "a", "--log-level=debug"]))
      .toStrictEqual(["node", "enrich", "--log-level=debug", "account", "a"])
  })

  it("leaves a trailing --log-level without a value for @effect/cli to report", () => {
    expect(Cli.hoistLogLevel(["node", "enrich", "account", "--log-level"]))
      .toStrictEqual(["node", "enrich", "account", "--log-level"])
  })
})
