/**
 * An indicator seen in an alert (an account, later an email, ip, domain, url or hash) and its normalization.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** Indicator types enrich knows about. Only `account` has a provider today; the others are reserved. */
export const types = ["account", "email", "ip", "domain", "url", "hash"] as const

/** An indicator type. */
export type IndicatorType = typeof types[number]

/** Schema of an indicator type. */
export const IndicatorType: Schema.Schema<IndicatorType> = Schema.Literal(...types)

/** The longest indicator value accepted, in characters. */
export const maxLength = 256

/**
 * An indicator: what to look up. The class only checks the shape (a known type, a string value); use {@link make}
 * or {@link decode} to validate and normalize the value (the Enricher normalizes whatever it is given again).
 */
export class Indicator extends Schema.Class<Indicator>("@enrich/core/Indicator")({
  type: IndicatorType,
  value: Schema.String
}) {}

/** An indicator value that cannot be looked up. */
export class InvalidIndicator extends Schema.TaggedError<InvalidIndicator>()("InvalidIndicator", {
  type: Schema.String,
  /** The offending value, with control characters escaped and cut to a printable length. */
  value: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    // `value` is already escaped (see `printable`): quoting it again would double every backslash.
    return `invalid ${this.type} indicator "${this.value}": ${this.reason}`
  }
}

const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const emailShaped = /^[^\s@]+@[^\s@]+$/

const printable = (value: string): string => {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
  // JSON.stringify escapes C0 controls but not DEL, C1 (e.g. the CSI \u009b) or line separators: escape them too.
  return JSON.stringify(shown).slice(1, -1).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
  )
}

/** Returns true when the value looks like an email address (`local@domain`). */
export const isEmailShaped = (value: string): boolean => emailShaped.test(value)

/**
 * Validates and normalizes an indicator value for its type.
 *
 * Accounts are trimmed, and lower-cased when email-shaped (Okta logins are case-insensitive). Empty values, values
 * longer than {@link maxLength} characters and values with control characters are refused.
 */
export const normalize = (type: IndicatorType, value: string): Effect.Effect<string, InvalidIndicator> => {
  const fail = (reason: string) => Effect.fail(new InvalidIndicator({ type, value: printable(value), reason }))
  const trimmed = value.trim()
  if (trimmed.length === 0) return fail("the value is empty")
  if (trimmed.length > maxLength) return fail(`the value is ${trimmed.length} characters long (at most ${maxLength})`)
  if (controlCharacters.test(trimmed)) return fail("the value contains control characters")
  switch (type) {
    case "account":
    case "email":
    case "domain":
      return Effect.succeed(isEmailShaped(trimmed) || type === "domain" ? trimmed.toLowerCase() : trimmed)
    default:
      return Effect.succeed(trimmed)
  }
}

/** Builds a normalized indicator, or fails with {@link InvalidIndicator}. */
export const make = (type: IndicatorType, value: string): Effect.Effect<Indicator, InvalidIndicator> =>
  Effect.map(normalize(type, value), (normalized) => new Indicator({ type, value: normalized }))

/** Shorthand for an `account` indicator. */
export const account = (value: string): Effect.Effect<Indicator, InvalidIndicator> => make("account", value)

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "string" ? `"${printable(u)}"` : typeof u

/** Decodes untrusted input (`{ type, value }`) into a normalized indicator, with a one-line reason when it cannot. */
export const decode = (input: unknown): Effect.Effect<Indicator, InvalidIndicator> => {
  const fail = (type: string, value: string, reason: string) =>
    Effect.fail(new InvalidIndicator({ type, value, reason }))
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("unknown", "", `expected an object { "type", "value" }, got ${describe(input)}`)
  }
  const { type, value } = input as { readonly type?: unknown; readonly value?: unknown }
  const shownValue = typeof value === "string" ? printable(value) : ""
  if (typeof type !== "string" || !(types as ReadonlyArray<string>).includes(type)) {
    const shownType = typeof type === "string" ? printable(type) : "unknown"
    return fail(
      shownType,
      shownValue,
      type === undefined
        ? `the "type" is missing (expected one of ${types.join(", ")})`
        : `unknown indicator type ${describe(type)} (expected one of ${types.join(", ")})`
    )
  }
  if (typeof value !== "string") {
    return fail(
      type,
      "",
      value === undefined ? `the "value" is missing` : `the "value" must be a string, got ${describe(value)}`
    )
  }
  return make(type as IndicatorType, value)
}
