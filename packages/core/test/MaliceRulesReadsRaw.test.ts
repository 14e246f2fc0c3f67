import { describe, expect, it } from "@effect/vitest"
import * as MaliceRules from "@enrich/core/MaliceRules"

const rules = (...conditions: ReadonlyArray<unknown>) =>
  MaliceRules.decodeSync({
    rules: conditions.map((condition) => ({ ...(condition as object), verdict: "Suspicious" }))
  })

describe("MaliceRules.readsRaw", () => {
  it("is false without rules, and for rules on extracted fields only", () => {
    expect(MaliceRules.readsRaw(MaliceRules.empty)).toBe(false)
    expect(MaliceRules.readsRaw(rules(
      { field: "status", operator: "eq", value: "SUSPENDED" },
      { any: [{ field: "is_admin", operator: "eq", value: true }, { field: "rawness", operator: "exists" }] }
    ))).toBe(false)
  })

  it("is true for a rule on a raw. field, however deep in all / any / not", () => {
    expect(MaliceRules.readsRaw(rules({ field: "raw.user.credentials.provider.type", operator: "eq", value: "OKTA" })))
      .toBe(true)
    expect(MaliceRules.readsRaw(rules(
      { field: "status", operator: "eq", value: "ACTIVE" },
      {
        all: [{ field: "is_admin", operator: "eq", value: true }, { not: { field: "raw.groups", operator: "exists" } }]
      }
    ))).toBe(true)
    expect(MaliceRules.readsRaw(rules({ any: [{ field: "raw", operator: "exists" }] }))).toBe(true)
  })
})
