/**
 * The value a comparison compares against, checked for its operator and prepared once at load: a parsed bound, a
 * duration in milliseconds, a compiled pattern.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Durations from "../Durations.js"
import type * as MaliceRules from "../MaliceRules.js"
import * as Printable from "../Printable.js"
import * as internalRegex from "./maliceRulesRegex.js"
import { describe } from "./maliceRulesText.js"
import * as values from "./maliceRulesValues.js"

/** Records a problem at a JSON path. @internal */
export type Report = (path: string, message: string) => void

/** A checked operand and the value as written. @internal */
export interface Checked {
  readonly operand: MaliceRules.Operand
  readonly value: MaliceRules.Scalar | ReadonlyArray<MaliceRules.Scalar> | undefined
}

// `older_than: "0s"` is pointless but harmless; a century is as far back as any account goes.
const durationOptions: Durations.Options = { allowZero: true, max: Duration.days(36_525) }

// V8 says `Invalid regular expression: /<the whole pattern>/<flags>: <reason>`: keep the reason, the pattern is
// quoted (cut) by the caller.
const regexSyntaxError = (pattern: string, flags: string): string | undefined => {
  try {
    new RegExp(pattern, flags)
    return undefined
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const prefix = `Invalid regular expression: /${pattern}/${flags}: `
    return message.startsWith(prefix) ? message.slice(prefix.length) : Printable.escape(message, { maxLength: 120 })
  }
}

/** Checks the operand of a comparison for its operator; problems are reported, `undefined` then returned. @internal */
export const operand = (
  report: Report,
  path: string,
  operator: MaliceRules.Operator,
  object: Record<string, unknown>,
  ignoreCase: boolean
): Checked | undefined => {
  const present = "value" in object
  const value = object.value
  const fail = (message: string) => {
    report(path, message)
    return undefined
  }
  if (operator === "exists" || operator === "not_exists") {
    if (present && value !== true) {
      return fail(
        `operator "${operator}" takes no value (or true), got ${describe(value)}` +
          (value === false ? `; use "${operator === "exists" ? "not_exists" : "exists"}" instead` : "")
      )
    }
    return { operand: { _tag: "None" }, value: undefined }
  }
  if (!present) return fail(`missing (operator "${operator}" needs a value)`)
  switch (operator) {
    case "eq":
    case "neq":
    case "contains":
    case "not_contains": {
      if (values.isScalar(value)) return { operand: { _tag: "Scalar", value }, value }
      if (value === null) {
        return fail(`operator "${operator}" needs a string, number or boolean; a null never matches (use not_exists)`)
      }
      return fail(
        `operator "${operator}" needs a string, number or boolean, got ${describe(value)}` +
          (Array.isArray(value) && (operator === "eq" || operator === "neq")
            ? `; use "${operator === "eq" ? "in" : "not_in"}" to compare with a list`
            : "")
      )
    }
    case "in":
    case "not_in": {
      if (!Array.isArray(value) || value.length === 0) {
        return fail(
          `operator "${operator}" needs a non-empty array of strings, numbers or booleans, got ${describe(value)}`
        )
      }
      let valid = true
      value.forEach((element, index) => {
        if (!values.isScalar(element)) {
          report(`${path}[${index}]`, `expected a string, number or boolean, got ${describe(element)}`)
          valid = false
        }
      })
      return valid ? { operand: { _tag: "List", values: value }, value } : undefined
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (typeof value === "number" && Number.isFinite(value)) return { operand: { _tag: "Number", value }, value }
      if (typeof value === "string") {
        const number = values.numberOf(value)
        if (number !== undefined) return { operand: { _tag: "Number", value: number }, value }
        const instant = values.instantOf(value)
        if (instant !== undefined) return { operand: { _tag: "Instant", epochMillis: instant }, value }
      }
      return fail(
        `operator "${operator}" needs a number, a numeric string or an ISO-8601 timestamp, got ${describe(value)}`
      )
    }
    case "starts_with":
    case "ends_with": {
      if (typeof value === "string" && value !== "") return { operand: { _tag: "Scalar", value }, value }
      return fail(`operator "${operator}" needs a non-empty string, got ${describe(value)}`)
    }
    case "older_than":
    case "newer_than": {
      if (typeof value !== "string") {
        return fail(`operator "${operator}" needs a duration such as "90d" or "12h", got ${describe(value)}`)
      }
      return Either.match(Durations.parse(value, durationOptions), {
        onLeft: (error) => fail(`operator "${operator}" needs a duration: ${error.message}`),
        onRight: (duration) => ({ operand: { _tag: "Duration", millis: Duration.toMillis(duration) }, value })
      })
    }
    case "matches": {
      if (typeof value !== "string" || value === "") {
        return fail(`operator "matches" needs a non-empty regular expression string, got ${describe(value)}`)
      }
      const flags = ignoreCase ? "i" : ""
      if (value.length > internalRegex.maxPatternLength) {
        return fail(
          `unsafe regular expression ${describe(value)}: the pattern is ${value.length} characters long ` +
            `(at most ${internalRegex.maxPatternLength})`
        )
      }
      const syntax = regexSyntaxError(value, flags)
      if (syntax !== undefined) return fail(`invalid regular expression ${describe(value)}: ${syntax}`)
      const safety = internalRegex.check(value, flags)
      if (Either.isLeft(safety)) return fail(`unsafe regular expression ${describe(value)}: ${safety.left}`)
      return Either.match(internalRegex.compile(value, ignoreCase), {
        onLeft: (reason) => fail(`unsupported regular expression ${describe(value)}: ${reason}`),
        onRight: (matcher) => ({ operand: { _tag: "Pattern", matcher }, value })
      })
    }
  }
}
