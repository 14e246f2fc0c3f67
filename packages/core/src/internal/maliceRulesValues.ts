/**
 * How rule values are read: scalars, numeric strings, ISO-8601 timestamps, and equality between them.
 *
 * @internal
 */
import type * as MaliceRules from "../MaliceRules.js"

/** @internal */
export const isScalar = (u: unknown): u is MaliceRules.Scalar =>
  typeof u === "string" || typeof u === "boolean" || (typeof u === "number" && Number.isFinite(u))

const numeric = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** The number a numeric string spells (`"42"`, `"-1.5"`, `"1e3"`), else undefined. @internal */
export const numberOf = (s: string): number | undefined => {
  if (!numeric.test(s)) return undefined
  const n = Number(s)
  return Number.isFinite(n) ? n : undefined
}

/** A number, or a numeric string, as a number; else undefined. @internal */
export const asNumber = (u: unknown): number | undefined =>
  typeof u === "number" ? (Number.isFinite(u) ? u : undefined) : typeof u === "string" ? numberOf(u) : undefined

const isoTimestamp = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

/**
 * The instant an ISO-8601 timestamp denotes, in epoch milliseconds, else undefined. A date alone is midnight UTC; a
 * date-time without an offset is read as UTC (never as the machine's local time).
 *
 * @internal
 */
export const instantOf = (s: string): number | undefined => {
  const match = isoTimestamp.exec(s)
  if (match === null) return undefined
  const [, date, time, fraction, zone] = match
  if (time === undefined) {
    const millis = Date.parse(`${date}T00:00:00Z`)
    return Number.isNaN(millis) ? undefined : millis
  }
  const seconds = time.length === 5 ? `${time}:00` : time
  const millisPart = fraction === undefined ? "" : `.${fraction.slice(0, 3).padEnd(3, "0")}`
  let offset = zone === undefined ? "Z" : zone.toUpperCase()
  if (offset !== "Z" && offset.length === 3) offset = `${offset}:00`
  else if (offset !== "Z" && !offset.includes(":")) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`
  const millis = Date.parse(`${date}T${seconds}${millisPart}${offset}`)
  if (Number.isNaN(millis)) return undefined
  // Date.parse rolls 2025-02-30 over to March; a date that does not exist is not a timestamp.
  return new Date(Date.parse(`${date}T00:00:00Z`)).toISOString().startsWith(date) ? millis : undefined
}

/**
 * Rule equality: numbers equal numbers and numeric strings by value; two strings are equal when identical (folded
 * to lower case with `ignoreCase`) or when both are timestamps of the same instant; booleans equal booleans.
 * Anything else (a boolean and the string "true", an array and a string) is not equal.
 *
 * @internal
 */
export const equals = (actual: unknown, expected: MaliceRules.Scalar, ignoreCase: boolean): boolean => {
  if (typeof expected === "number") return asNumber(actual) === expected
  if (typeof expected === "boolean") return actual === expected
  if (typeof actual === "number") return numberOf(expected) === actual
  if (typeof actual !== "string") return false
  if (actual === expected) return true
  if (ignoreCase && actual.toLowerCase() === expected.toLowerCase()) return true
  const a = instantOf(actual)
  return a !== undefined && a === instantOf(expected)
}
