import { describe, expect, it } from "@effect/vitest"
import type { EnrichmentResult } from "@enrich/core/EnrichmentResult"
import * as ProviderResult from "@enrich/core/ProviderResult"
import * as Output from "../src/Output.js"

const found = (value: string, extracted: Record<string, unknown> = {}): EnrichmentResult => ({
  indicator: { type: "account", value },
  verdict: "Pending",
  enrichment: {
    okta: {
      status: "success",
      success: true,
      extracted: { found: true, status: "ACTIVE", groups: ["Engineering", "VPN Users"], ...extracted },
      enriched_at: "2025-01-15T10:30:06.000Z",
      cache_hit: false,
      verdict: "Pending",
      matched_rule: null,
      error_message: null
    }
  }
})

const failed = (value: string, message: string): EnrichmentResult => ({
  indicator: { type: "account", value },
  verdict: "Pending",
  enrichment: { okta: ProviderResult.failed(message) }
})

const render = (format: Output.Format, results: ReadonlyArray<EnrichmentResult>): string => {
  const formatter = Output.make(format)
  return results.map(formatter.push).join("") + formatter.end()
}

describe("Output json", () => {
  it("prints one object for one result", () => {
    expect(JSON.parse(render("json", [found("jsmith")]))).toEqual(found("jsmith"))
  })

  it("prints an array for several, in order", () => {
    const results = [found("a"), failed("b", "boom"), found("c")]
    expect(JSON.parse(render("json", results))).toEqual(results)
  })

  it("prints [] for none", () => {
    expect(JSON.parse(render("json", []))).toEqual([])
  })

  it("holds back at most one result: the array starts as soon as the second arrives", () => {
    const formatter = Output.make("json")
    expect(formatter.push(found("a"))).toBe("")
    expect(formatter.push(found("b"))).toMatch(/^\[\n/)
    expect(formatter.push(found("c"))).toMatch(/^,\n/)
  })
})

describe("Output ndjson", () => {
  it("prints one compact line per result, immediately", () => {
    const formatter = Output.make("ndjson")
    const line = formatter.push(found("a"))
    expect(line.endsWith("\n")).toBe(true)
    expect(line.trim().includes("\n")).toBe(false)
    expect(JSON.parse(line)).toEqual(found("a"))
    expect(formatter.end()).toBe("")
  })
})

describe("Output csv", () => {
  it("prints a header and one row per result, lists joined with ;", () => {
    const text = render("csv", [found("jsmith", { mfa_factors: ["push", "totp"] }), failed("x", "Okta said no")])
    const [header, first, second] = text.split("\r\n")
    expect(header.split(",")).toEqual([...Output.csvColumns])
    const row = Object.fromEntries(first.split(",").map((cell, i) => [Output.csvColumns[i], cell]))
    expect(row.indicator).toBe("jsmith")
    expect(row.outcome).toBe("found")
    expect(row.groups).toBe("Engineering;VPN Users")
    expect(row.mfa_factors).toBe("push;totp")
    expect(second).toContain("failed")
    expect(second).toContain("Okta said no")
  })

  it("prints only the header for no results", () => {
    expect(render("csv", [])).toBe(`${Output.csvColumns.join(",")}\r\n`)
  })

  it("quotes cells with commas and quotes, and defuses formulas", () => {
    expect(Output.csvCell("a,b")).toBe("\"a,b\"")
    expect(Output.csvCell("say \"hi\"")).toBe("\"say \"\"hi\"\"\"")
    expect(Output.csvCell("=HYPERLINK(\"x\")")).toBe("\"'=HYPERLINK(\"\"x\"\")\"")
    expect(Output.csvCell("@SUM(A1)")).toBe("'@SUM(A1)")
    expect(Output.csvCell("plain")).toBe("plain")
  })
})

describe("Output table", () => {
  it("aligns columns under a header, one row per result", () => {
    const text = render("table", [found("jsmith", { is_admin: false }), found("a-much-longer-login@example.com")])
    const lines = text.trimEnd().split("\n")
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^INDICATOR\s+OUTCOME\s+VERDICT\s+STATUS/)
    const column = lines[0].indexOf("OUTCOME")
    expect(lines[1].slice(column, column + 5)).toBe("found")
    expect(lines[2].slice(column, column + 5)).toBe("found")
  })

  it("shows control characters from Okta data escaped, never raw", () => {
    const text = render("table", [found("jsmith", { groups: ["evil\u001b[2J"] })])
    expect(text).not.toContain("\u001b")
    expect(text).toContain("evil\\u001b[2J")
  })

  // issue 11 #10: a right-to-left override in Okta data could reorder a row of the table.
  it("shows bidirectional overrides, isolates and marks from Okta data escaped, never raw", () => {
    const text = render("table", [found("jsmith", { groups: ["admin\u202egnp.exe", "a\u2066b\u2069c\u200fd"] })])
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/)
    expect(text).toContain("admin\\u202egnp.exe")
  })

  it("shows not_found and failed outcomes, with the error in NOTE", () => {
    const notFound: EnrichmentResult = {
      ...found("ghost"),
      enrichment: { okta: { ...found("ghost").enrichment.okta, extracted: { found: false } } }
    }
    const text = render("table", [notFound, failed("x", "Okta refused the credentials")])
    expect(text).toContain("not_found")
    expect(text).toMatch(/failed.*Okta refused the credentials/)
  })
})

describe("Output.isFailed", () => {
  it("is true when any provider failed, false for found and not found", () => {
    expect(Output.isFailed(failed("x", "no"))).toBe(true)
    expect(Output.isFailed(found("x"))).toBe(false)
  })
})
