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

/** What a formatter shows beyond the default columns. */
export interface FormatOptions {
  /** Recent activity was read: csv gets an `activity` column, the table an `ACTIVITY` column. Default false. */
  readonly activity?: boolean | undefined
}

/** Creates a formatter for a format. */
export const make = (format: Format, options: FormatOptions = {}): Formatter => {
  switch (format) {
    case "json":
      return json()
    case "ndjson":
      return { push: (result) => `${JSON.stringify(result)}\n`, end: () => "" }
    case "csv":
      return csv(options.activity === true)
    case "table":
      return table(options.activity === true)
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

/** The csv columns with recent activity: `activity` (see {@link activitySummary}) after `groups`. */
export const csvColumnsWithActivity: ReadonlyArray<string> = csvColumns.flatMap((column) =>
  column === "groups" ? [column, "activity"] : [column]
)

const num = (value: unknown): number => typeof value === "number" && Number.isFinite(value) ? value : 0

/**
 * `recent_activity` in a few words, for the table and csv: the signals that are there, e.g.
 * `3 fail, 4 push denied, travel!`, or `quiet (5 sign-ins)`; `unreadable` when the System Log could not be read
 * (`null`), empty when there is no such field (not found, activity off). `incomplete` when the read was bounded.
 */
export const activitySummary = (value: unknown): string => {
  if (value === undefined) return ""
  if (value === null || typeof value !== "object") return "unreadable"
  const a = value as Record<string, unknown>
  const signIns = (typeof a.sign_ins === "object" && a.sign_ins !== null ? a.sign_ins : {}) as Record<string, unknown>
  const factors = (typeof a.mfa_factor_changes === "object" && a.mfa_factor_changes !== null
    ? a.mfa_factor_changes
    : {}) as Record<string, unknown>
  const travel = Array.isArray(a.impossible_travel) ? a.impossible_travel.length : 0
  const parts: Array<string> = []
  const count = (n: number, text: string) => {
    if (n > 0) parts.push(`${n} ${text}`)
  }
  count(num(a.threats_detected), "threat")
  count(num(a.suspicious_activity_reported), "reported")
  count(num(signIns.failure), "fail")
  count(num(a.lockouts), "lockout")
  count(num(a.mfa_push_denied), "push denied")
  count(num(factors.reset), "factor reset")
  if (factors.new_factor_after_reset === true) parts.push("new factor")
  count(num(a.support_resets), "support reset")
  count(num(a.admin_grants), "admin grant")
  count(num(a.high_risk_sign_ins), "high risk")
  count(num(a.anonymizing_proxy_sign_ins), "proxy")
  count(num(a.session_roaming), "roaming")
  if (travel > 0 || num(a.velocity_flags) > 0) parts.push("travel!")
  if (parts.length === 0) parts.push(`quiet (${num(signIns.success)} sign-ins)`)
  if (a.complete === false) parts.push("incomplete")
  return parts.join(", ")
}

const csvRow = (result: Result, columns: ReadonlyArray<string>): ReadonlyArray<string> => {
  const main = mainResult(result)
  return columns.map((column) => {
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
      case "activity":
        return activitySummary(field(main, "recent_activity"))
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

const csv = (activity: boolean): Formatter => {
  const columns = activity ? csvColumnsWithActivity : csvColumns
  let started = false
  const header = () => {
    if (started) return ""
    started = true
    return `${columns.join(",")}\r\n`
  }
  return {
    push: (result) => header() + csvLine(csvRow(result, columns)),
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

type TableColumn = readonly [string, number, (result: Result) => string]

/** The table's activity column, before NOTE. */
const activityColumn: TableColumn = [
  "ACTIVITY",
  60,
  (result) => activitySummary(field(mainResult(result), "recent_activity"))
]

/** The table columns, and the widest a cell may be. */
const tableColumns: ReadonlyArray<TableColumn> = [
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

const table = (activity: boolean): Formatter => {
  const columns = activity
    ? [...tableColumns.slice(0, -1), activityColumn, ...tableColumns.slice(-1)]
    : tableColumns
  const header = columns.map(([name]) => name)
  const widths = header.map((name) => name.length)
  const rows: Array<ReadonlyArray<string>> = []
  return {
    push: (result) => {
      const row = columns.map(([, width, get]) => terminalSafe(get(result), width))
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
