/**
 * The bench's one table and its JSON file.
 */

/** The contenders' columns. */
export type Column = "enrich" | "fetch" | "sdk"

/** One measured figure for each contender that took part. */
export interface Row {
  readonly scenario: string
  readonly measure: string
  readonly unit: "s" | "ms" | "count" | "per-account" | "percent" | "per-second" | "bytes" | "MB"
  readonly values: Partial<Record<Column, number>>
  /** Show the ratios enrich ÷ fetch and enrich ÷ okta-sdk (for costs: lower is better for enrich). */
  readonly ratios?: boolean | undefined
  readonly note?: string | undefined
}

const format = (unit: Row["unit"], value: number | undefined): string => {
  if (value === undefined || Number.isNaN(value)) return "—"
  switch (unit) {
    case "s":
      return `${value.toFixed(2)} s`
    case "ms":
      return `${value.toFixed(1)} ms`
    case "count":
      return Math.round(value).toLocaleString("en-US")
    case "per-account":
      return value.toFixed(2)
    case "percent":
      return `${value.toFixed(0)} %`
    case "per-second":
      return `${Math.round(value).toLocaleString("en-US")}/s`
    case "bytes":
      return `${Math.round(value).toLocaleString("en-US")} B`
    case "MB":
      return `${value.toFixed(1)} MB`
  }
}

const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? "" : `${(a / b).toFixed(2)}×`

/** The table as Markdown (it reads well in a terminal too). */
export const table = (rows: ReadonlyArray<Row>): string => {
  const header = ["Scenario", "Measure", "(a) enrich", "(b) fetch", "(c) okta-sdk", "a÷b", "a÷c", "Note"]
  const lines = rows.map((row) => [
    row.scenario,
    row.measure,
    format(row.unit, row.values.enrich),
    format(row.unit, row.values.fetch),
    format(row.unit, row.values.sdk),
    row.ratios === true ? ratio(row.values.enrich, row.values.fetch) : "",
    row.ratios === true ? ratio(row.values.enrich, row.values.sdk) : "",
    row.note ?? ""
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)))
  const render = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((cell, i) => i >= 2 && i <= 6 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join(" | ")} |`
  const rule = `|${widths.map((w, i) => i >= 2 && i <= 6 ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)).join("|")}|`
  return [render(header), rule, ...lines.map(render)].join("\n")
}
