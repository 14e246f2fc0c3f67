/**
 * `enrich account --activity [WINDOW]` and `--rules-pack compromise` end to end: the built binary against its own
 * `--sandbox`, whose System Log tells the stories of `SandboxActivity`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Cli from "./support/Cli.js"

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Cli.runGuarded(args, { timeoutMs: 30_000, env })

describe("enrich account --activity", () => {
  it.effect(
    "victor.sales --sandbox --activity --rules-pack compromise: MFA fatigue, Malicious, the full object",
    () =>
      Effect.gen(function*() {
        const result = yield* run(["account", "victor.sales", "--sandbox", "--activity", "--rules-pack", "compromise"])
        expect(result.code, result.stderr).toBe(0)
        const record = JSON.parse(result.stdout)
        expect(record.verdict).toBe("Malicious")
        const okta = record.enrichment.okta
        expect(okta.matched_rule.name).toMatch(/MFA fatigue/)
        expect(okta.extracted.recent_activity).toMatchObject({
          window: { duration: "P7D" },
          complete: true,
          mfa_push_denied: 4,
          first_seen_countries: ["Romania"],
          last_sign_in: { city: "Bucharest", country: "Romania" }
        })
        expect(okta.extracted.recent_activity.impossible_travel).toHaveLength(1)
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "--activity 30d before an indicator; ndjson carries the object; a quiet account is Benign with zeros",
    () =>
      Effect.gen(function*() {
        const result = yield* run([
          "account",
          "--activity",
          "30d",
          "henry.ford",
          "erin.lee",
          "--sandbox",
          "--rules-pack",
          "compromise",
          "-f",
          "ndjson"
        ])
        expect(result.code, result.stderr).toBe(0)
        const [henry, erin] = Cli.ndjson(result.stdout)
        expect(henry.verdict).toBe("Benign")
        expect(henry.enrichment.okta.extracted.recent_activity).toMatchObject({
          window: { duration: "P30D" },
          events_examined: 0,
          sign_ins: { success: 0, failure: 0 },
          mfa_push_denied: 0
        })
        expect(erin.verdict).toBe("Suspicious")
        expect(erin.enrichment.okta.extracted.recent_activity.sign_ins.failure).toBe(12)
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "--activity alone before an indicator takes 7d and leaves the indicator alone",
    () =>
      Effect.gen(function*() {
        const result = yield* run(["account", "--sandbox", "--activity", "victor.sales", "-f", "ndjson"])
        expect(result.code, result.stderr).toBe(0)
        const [record] = Cli.ndjson(result.stdout)
        expect(record.indicator.value).toBe("victor.sales")
        expect(record.enrichment.okta.extracted.recent_activity.window.duration).toBe("P7D")
      }),
    { timeout: 60_000 }
  )

  it.effect(
    "table and csv show a compact ACTIVITY column; without activity the columns are today's",
    () =>
      Effect.gen(function*() {
        const table = yield* run(["account", "victor.sales", "erin.lee", "--sandbox", "--activity", "-f", "table"])
        expect(table.code, table.stderr).toBe(0)
        const lines = table.stdout.split("\n")
        expect(lines[0]).toMatch(/ACTIVITY\s+NOTE$/)
        expect(lines[1]).toContain("4 push denied, 1 high risk, travel!")
        expect(lines[2]).toContain("12 fail, 1 lockout")
        const csv = yield* run(["account", "erin.lee", "--sandbox", "--activity", "-f", "csv"])
        expect(csv.stdout.split("\r\n")[0]).toContain(",groups,activity,enriched_at,")
        expect(csv.stdout.split("\r\n")[1]).toContain("\"12 fail, 1 lockout\"")
        const off = yield* run(["account", "erin.lee", "--sandbox", "-f", "csv"])
        expect(off.stdout.split("\r\n")[0]).not.toContain("activity")
        const offTable = yield* run(["account", "erin.lee", "--sandbox", "-f", "table"])
        expect(offTable.stdout.split("\n")[0]).not.toContain("ACTIVITY")
      }),
    { timeout: 60_000 }
  )

  it.effect("ENRICH_OKTA_ACTIVITY=24h turns it on; off, the JSON has no recent_activity", () =>
    Effect.gen(function*() {
      const on = yield* run(["account", "victor.sales", "--sandbox"], { ENRICH_OKTA_ACTIVITY: "24h" })
      expect(on.code, on.stderr).toBe(0)
      expect(JSON.parse(on.stdout).enrichment.okta.extracted.recent_activity.window.duration).toBe("P1D")
      const off = yield* run(["account", "victor.sales", "--sandbox"])
      expect(JSON.parse(off.stdout).enrichment.okta.extracted).not.toHaveProperty("recent_activity")
    }), { timeout: 60_000 })

  it.effect(
    "enrich rules pack compromise prints the pack, which enrich rules check accepts",
    () =>
      Effect.gen(function*() {
        const printed = yield* run(["rules", "pack", "compromise"])
        expect(printed.code, printed.stderr).toBe(0)
        const pack = JSON.parse(printed.stdout)
        expect(pack.rules.length).toBeGreaterThanOrEqual(12)
        expect(pack.rules.map((rule: { field: string }) => rule.field)).toContain("recent_activity.mfa_push_denied")
        const file = Cli.tempFile("compromise.json", printed.stdout)
        expect((yield* run(["rules", "check", file])).code).toBe(0)
      }),
    { timeout: 60_000 }
  )
})
