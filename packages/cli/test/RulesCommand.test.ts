/**
 * End to end: `enrich rules check FILE`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Cli from "./support/Cli.js"

describe("enrich rules check (end to end)", () => {
  it.live("prints the normalized rules of a valid file (exit 0)", () =>
    Effect.gen(function*() {
      const file = Cli.tempFile(
        "rules.json",
        JSON.stringify({
          malice_rules: { conditions: [{ field: "status", operator: "eq", value: "SUSPENDED", verdict: "Suspicious" }] }
        })
      )
      const result = yield* Cli.run(["rules", "check", file])
      expect(result.code).toBe(0)
      const normalized = JSON.parse(result.stdout)
      expect(JSON.stringify(normalized)).toContain("SUSPENDED")
      expect(JSON.stringify(normalized)).toContain("Suspicious")
    }))

  it.live("lists every problem with its JSON path (exit 2)", () =>
    Effect.gen(function*() {
      const file = Cli.tempFile(
        "rules.json",
        JSON.stringify({
          rules: [
            { field: "status", operator: "eqq", value: "SUSPENDED", verdict: "Suspicious" },
            { field: "groups", operator: "in", value: "Admins", verdict: "Suspicious" },
            { field: "last_login", operator: "older_than", value: "ninety days", verdict: "Dangerous" }
          ]
        })
      )
      const result = yield* Cli.run(["rules", "check", file])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr).toContain("rules[0].operator")
      expect(result.stderr).toContain("rules[1]")
      expect(result.stderr).toContain("rules[2]")
      expect(result.stderr).toContain("Dangerous")
    }))

  it.live("a missing file or invalid JSON is a usage error (exit 2)", () =>
    Effect.gen(function*() {
      expect((yield* Cli.run(["rules", "check", "/nonexistent/rules.json"])).code).toBe(2)
      const broken = yield* Cli.run(["rules", "check", Cli.tempFile("rules.json", "{ not json")])
      expect(broken.code).toBe(2)
    }))
})
