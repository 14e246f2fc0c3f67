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
 * An indicator: what to look up. Values decoded through {@link Indicator} are validated; use {@link make} or
 * {@link decode} to also normalize them.
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
    return `invalid ${this.type} indicator ${JSON.stringify(this.value)}: ${this.reason}`
  }
}

const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const emailShaped = /^[^\s@]+@[^\s@]+$/

const printable = (value: string): string => {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
  return JSON.stringify(shown).slice(1, -1)
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

/** Decodes untrusted input (`{ type, value }`) into a normalized indicator. */
export const decode = (input: unknown): Effect.Effect<Indicator, InvalidIndicator> =>
  Schema.decodeUnknown(Indicator)(input).pipe(
    Effect.mapError((error) =>
      new InvalidIndicator({
        type: typeof (input as any)?.type === "string" ? (input as any).type : "unknown",
        value: typeof (input as any)?.value === "string" ? printable((input as any).value) : "",
        reason: error.message
      })
    ),
    Effect.flatMap((indicator) => make(indicator.type, indicator.value))
  )
