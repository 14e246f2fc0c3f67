/**
 * How results are printed on stdout: `json`, `ndjson`, `table` or `csv`.
 *
 * A formatter is a small state machine that turns results, one at a time and in input order, into text. `ndjson`,
 * `csv` and `json` write each result as soon as it arrives and hold none of them (`json` keeps one back, to know
 * whether to print a single object or an array); `table` aligns its columns, so it holds its rows (short strings)
 * until the end: it is meant for people reading a screen, not for a million lines.
 *
 * @since 0.1.0
 */
import * as Printable from "@enrich/core/Printable"
import type * as ProviderResult from "@enrich/core/ProviderResult"
import type * as Verdict from "@enrich/core/Verdict"

/** The output formats. */
export const formats = ["json", "ndjson", "table", "csv"] as const

/** An output format. */
export type Format = typeof formats[number]

/**
 * One line of output: `{"indicator": {"type", "value"}, "verdict", "enrichment": {"okta": <ProviderResult>}}`.
 */
export interface Result {
  readonly indicator: { readonly type: string; readonly value: string }
  readonly verdict: Verdict.Verdict
  readonly enrichment: { readonly [provider: string]: ProviderResult.ProviderResult }
}

/** True when any provider failed for this result (a failed input line included): the exit code is then 1. */
export const isFailed = (result: Result): boolean =>
  Object.values(result.enrichment).some((providerResult) => providerResult.status === "failed")

/** Turns results into text, in order. */
export interface Formatter {
  /** The text to print for this result (possibly empty: `json` and `table` print later). */
  readonly push: (result: Result) => string
  /** The text to print once every result has been pushed. */
  readonly end: () => string
}

/** Creates a formatter for a format. */
export const make = (format: Format): Formatter => {
  switch (format) {
    case "json":
      return json()
    case "ndjson":
      return { push: (result) => `${JSON.stringify(result)}\n`, end: () => "" }
    case "csv":
      return csv()
    case "table":
      return table()
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// json: one object for one result, an array for several, `[]` for none
// ---------------------------------------------------------------------------------------------------------------------

const indent = (text: string): string => text.replace(/\n/g, "\n  ")

const json = (): Formatter => {
  let held: Result | undefined
  let count = 0
  return {
    push: (result) => {
      count++
      if (count === 1) {
        held = result
        return ""
      }
      if (count === 2) {
        const first = held!
        held = undefined
        return `[\n  ${indent(JSON.stringify(first, null, 2))},\n  ${indent(JSON.stringify(result, null, 2))}`
      }
      return `,\n  ${indent(JSON.stringify(result, null, 2))}`
    },
    end: () => {
      if (count === 0) return "[]\n"
      if (count === 1) return `${JSON.stringify(held, null, 2)}\n`
      return "\n]\n"
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The flat view shared by csv and table
// ---------------------------------------------------------------------------------------------------------------------

/** The provider shown by the flat formats (csv, table): `okta`, else the first one. */
const mainResult = (result: Result): ProviderResult.ProviderResult | undefined =>
  result.enrichment.okta ?? Object.values(result.enrichment)[0]

const field = (providerResult: ProviderResult.ProviderResult | undefined, name: string): unknown =>
  providerResult?.extracted?.[name]

/** `found`, `not_found`, `failed` or `skipped`. */
export const outcome = (providerResult: ProviderResult.ProviderResult | undefined): string => {
  if (providerResult === undefined) return "skipped"
  if (providerResult.status !== "success") return providerResult.status
  return providerResult.extracted?.found === false ? "not_found" : "found"
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return ""
  if (Array.isArray(value)) return value.map(cell).join(";")
  if (typeof value === "object") return JSON.stringify(value)
  return String(value)
}

/** The csv columns, in order. Lists are joined with `;`; unknown values (`null`) are empty. */
export const csvColumns = [
  "type",
  "indicator",
  "outcome",
  "verdict",
  "matched_rule",
  "status",
  "user_id",
  "login",
  "email",
  "first_name",
  "last_name",
  "department",
  "title",
  "created",
  "last_login",
  "is_admin",
  "admin_roles",
  "mfa_enrolled",
  "mfa_factors",
  "groups",
  "enriched_at",
  "cache_hit",
  "warnings",
  "error"
] as const

const csvRow = (result: Result): ReadonlyArray<string> => {
  const main = mainResult(result)
  return csvColumns.map((column) => {
    switch (column) {
      case "type":
        return result.indicator.type
      case "indicator":
        return result.indicator.value
      case "outcome":
        return outcome(main)
      case "verdict":
        return result.verdict
      case "matched_rule":
        return main?.matched_rule ? (main.matched_rule.name ?? `#${main.matched_rule.index}`) : ""
      case "admin_roles": {
        const roles = field(main, "admin_roles")
        return Array.isArray(roles) ? roles.map((role) => cell(role?.type ?? role)).join(";") : ""
      }
      case "enriched_at":
        return cell(main?.enriched_at)
      case "cache_hit":
        return main ? String(main.cache_hit) : ""
      case "warnings":
        return cell(main?.warnings)
      case "error":
        return cell(main?.error_message)
      default:
        return cell(field(main, column))
    }
  })
}

/**
 * Quotes a csv cell (RFC 4180), and defuses spreadsheet formulas: a cell starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return gets a leading `'`, since Okta profile fields are attacker-controllable text.
 */
export const csvCell = (value: string): string => {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, "\"\"")}"` : safe
}

const csvLine = (cells: ReadonlyArray<string>): string => `${cells.map(csvCell).join(",")}\r\n`

const csv = (): Formatter => {
  let started = false
  const header = () => {
    if (started) return ""
    started = true
    return `${csvColumns.join(",")}\r\n`
  }
  return {
    push: (result) => header() + csvLine(csvRow(result)),
    end: header
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// table: aligned columns for people
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Makes a value safe to show on a terminal: control characters (an ANSI escape in a group name could rewrite the
 * screen) and bidirectional overrides (which could reorder a row) are shown escaped (`Printable.escape`), and long
 * values are cut to `width` characters.
 */
export const terminalSafe = (value: string, width: number): string => Printable.escape(value, { maxLength: width })

const yesNo = (value: unknown): string => value === true ? "yes" : value === false ? "no" : ""

/** The table columns, and the widest a cell may be. */
const tableColumns: ReadonlyArray<readonly [string, number, (result: Result) => string]> = [
  ["INDICATOR", 40, (result) => result.indicator.value],
  ["OUTCOME", 9, (result) => outcome(mainResult(result))],
  ["VERDICT", 10, (result) => result.verdict],
  ["STATUS", 16, (result) => cell(field(mainResult(result), "status"))],
  ["ADMIN", 5, (result) => yesNo(field(mainResult(result), "is_admin"))],
  ["MFA", 30, (result) => {
    const main = mainResult(result)
    const enrolled = field(main, "mfa_enrolled")
    const factors = field(main, "mfa_factors")
    if (enrolled === false) return "no"
    return Array.isArray(factors) ? factors.map(cell).join(",") : yesNo(enrolled)
  }],
  ["LAST LOGIN", 20, (result) => cell(field(mainResult(result), "last_login"))],
  ["GROUPS", 50, (result) => {
    const groups = field(mainResult(result), "groups")
    return Array.isArray(groups) ? groups.map(cell).join(", ") : ""
  }],
  ["NOTE", 120, (result) => {
    const main = mainResult(result)
    if (main?.error_message) return main.error_message
    if (main?.warnings && main.warnings.length > 0) return `partial: ${main.warnings.join("; ")}`
    if (main?.matched_rule) return `rule ${main.matched_rule.name ?? `#${main.matched_rule.index}`}`
    return ""
  }]
]

const table = (): Formatter => {
  const header = tableColumns.map(([name]) => name)
  const widths = header.map((name) => name.length)
  const rows: Array<ReadonlyArray<string>> = []
  return {
    push: (result) => {
      const row = tableColumns.map(([, width, get]) => terminalSafe(get(result), width))
      row.forEach((text, index) => widths[index] = Math.max(widths[index], text.length))
      rows.push(row)
      return ""
    },
    end: () => {
      const line = (cells: ReadonlyArray<string>) =>
        cells.map((text, index) => index === cells.length - 1 ? text : text.padEnd(widths[index])).join("  ")
          .trimEnd() + "\n"
      return [header, ...rows].map(line).join("")
    }
  }
}
