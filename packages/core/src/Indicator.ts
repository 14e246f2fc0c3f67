/**
 * An indicator seen in an alert (an account, later an email, ip, domain, url or hash) and its normalization.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Printable from "./Printable.js"

/** Indicator types enrich knows about. Only `account` has a provider today; the others are reserved. */
export const types = ["account", "email", "ip", "domain", "url", "hash"] as const

/** An indicator type. */
export type IndicatorType = typeof types[number]

/** Schema of an indicator type. */
export const IndicatorType: Schema.Schema<IndicatorType> = Schema.Literal(...types)

/** The longest indicator value accepted, in characters. */
export const maxLength = 256

/**
 * An indicator: what to look up. The class only checks the shape (a known type, a string value); use
 * {@link validate} (or {@link make}, {@link decode}) to validate and normalize the value. The Enricher validates
 * whatever it is given, through the same {@link validate}.
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

/** How much of an offending value an error shows: 80 characters and an ellipsis. */
const shownLength = 81

const printable = (value: string): string => Printable.escape(value, { maxLength: shownLength, quotable: true })

/** Returns true when the value looks like an email address (`local@domain`). */
export const isEmailShaped = (value: string): boolean => emailShaped.test(value)

/**
 * Validates and normalizes an indicator value for its type: the one validation path, pure. The CLI's input reader
 * and the Enricher both use it.
 *
 * Accounts are trimmed, and lower-cased when email-shaped (Okta logins are case-insensitive). Empty values, values
 * longer than {@link maxLength} characters and values with control characters are refused with
 * {@link InvalidIndicator}, whose `value` is escaped and cut to a printable length.
 */
export const validate = (type: IndicatorType, value: string): Either.Either<Indicator, InvalidIndicator> =>
  Either.map(normalize(type, value), (normalized) => new Indicator({ type, value: normalized }))

/**
 * {@link validate} without building the indicator: the normalized value, or why it cannot be looked up. For a caller
 * that already holds an `Indicator` and builds a new one only when normalizing changed its value (the Enricher, on
 * every lookup of a new indicator object).
 */
export const normalize = (type: IndicatorType, value: string): Either.Either<string, InvalidIndicator> => {
  const fail = (reason: string) => Either.left(new InvalidIndicator({ type, value: printable(value), reason }))
  const trimmed = value.trim()
  if (trimmed.length === 0) return fail("the value is empty")
  if (trimmed.length > maxLength) return fail(`the value is ${trimmed.length} characters long (at most ${maxLength})`)
  if (controlCharacters.test(trimmed)) return fail("the value contains control characters")
  const lowerCase = type === "domain" || ((type === "account" || type === "email") && isEmailShaped(trimmed))
  return Either.right(lowerCase ? trimmed.toLowerCase() : trimmed)
}

/** Builds a normalized indicator, or fails with {@link InvalidIndicator}: {@link validate} as an Effect. */
export const make = (type: IndicatorType, value: string): Effect.Effect<Indicator, InvalidIndicator> =>
  validate(type, value)

/** Shorthand for an `account` indicator. */
export const account = (value: string): Effect.Effect<Indicator, InvalidIndicator> => make("account", value)

/** Whether a value is one of the indicator {@link types}. */
export const isIndicatorType: (u: unknown) => u is IndicatorType = Schema.is(IndicatorType)

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "string" ? `"${printable(u)}"` : typeof u

/** Decodes untrusted input (`{ type, value }`) into a normalized indicator, with a one-line reason when it cannot. */
export const decode = (input: unknown): Either.Either<Indicator, InvalidIndicator> => {
  const fail = (type: string, value: string, reason: string) =>
    Either.left(new InvalidIndicator({ type, value, reason }))
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return fail("unknown", "", `expected an object { "type", "value" }, got ${describe(input)}`)
  }
  const { type, value } = input as { readonly type?: unknown; readonly value?: unknown }
  const shownValue = typeof value === "string" ? printable(value) : ""
  if (!isIndicatorType(type)) {
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
  return validate(type, value)
}
