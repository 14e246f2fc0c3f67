/**
 * End to end: every command's `--help` explains itself with examples, and `--version` prints the version.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Cli from "./support/Cli.js"

const commands: ReadonlyArray<ReadonlyArray<string>> = [
  [],
  ["account"],
  ["rules"],
  ["rules", "check"],
  ["sandbox"],
  ["sandbox", "serve"]
]

describe("enrich --help (end to end)", () => {
  for (const command of commands) {
    it.live(`enrich ${[...command, "--help"].join(" ")} shows a description and examples`, () =>
      Effect.gen(function*() {
        const result = yield* Cli.run([...command, "--help"])
        expect(result.code).toBe(0)
        expect(result.stdout).toContain("DESCRIPTION")
        expect(result.stdout).toContain("EXAMPLES")
        expect(result.stdout).toMatch(/\$ enrich /)
      }))
  }

  it.live("--version prints the package version", () =>
    Effect.gen(function*() {
      const result = yield* Cli.run(["--version"])
      expect(result.code).toBe(0)
      expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    }))
})
