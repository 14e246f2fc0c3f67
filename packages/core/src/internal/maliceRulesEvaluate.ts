/**
 * Evaluation of validated malice rules against a provider's lookup.
 *
 * @internal
 */
import type * as MaliceRules from "../MaliceRules.js"
import type * as Provider from "../Provider.js"
import * as internalRegex from "./maliceRulesRegex.js"
import * as values from "./maliceRulesValues.js"

const missing: unique symbol = Symbol("missing")

/** The value at a field path; `missing` when absent or null. */
const resolve = (lookup: Provider.Found, path: MaliceRules.FieldPath): unknown => {
  let current: unknown = path.root === "raw" ? lookup.raw : lookup.extracted
  for (const segment of path.segments) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return missing
      const index = Number(segment)
      if (index >= current.length) return missing
      current = current[index]
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment]
    } else {
      return missing
    }
  }
  return current === null || current === undefined ? missing : current
}

const fold = (s: string, ignoreCase: boolean): string => (ignoreCase ? s.toLowerCase() : s)

// Text operators on an array field hold when they hold for one of its strings.
const someString = (actual: unknown, predicate: (s: string) => boolean): boolean =>
  typeof actual === "string"
    ? predicate(actual)
    : Array.isArray(actual) && actual.some((element) => typeof element === "string" && predicate(element))

const member = (actual: unknown, expected: MaliceRules.Scalar, ignoreCase: boolean): boolean =>
  Array.isArray(actual) && actual.some((element) => values.equals(element, expected, ignoreCase))

const inList = (element: unknown, list: ReadonlyArray<MaliceRules.Scalar>, ignoreCase: boolean): boolean =>
  list.some((expected) => values.equals(element, expected, ignoreCase))

const compare = (actual: unknown, operand: MaliceRules.Operand): number | undefined => {
  if (operand._tag === "Number") {
    const n = values.asNumber(actual)
    return n === undefined ? undefined : n - operand.value
  }
  if (operand._tag === "Instant" && typeof actual === "string") {
    const instant = values.instantOf(actual)
    return instant === undefined ? undefined : instant - operand.epochMillis
  }
  return undefined
}

const holds = (difference: number | undefined, predicate: (difference: number) => boolean): boolean =>
  difference !== undefined && predicate(difference)

const truncate = (s: string): string => (s.length > internalRegex.maxInput ? s.slice(0, internalRegex.maxInput) : s)

const substring = (actual: string, expected: MaliceRules.Scalar, ignoreCase: boolean): boolean | undefined =>
  typeof expected === "boolean"
    ? undefined
    : fold(actual, ignoreCase).includes(fold(String(expected), ignoreCase))

const comparison = (condition: MaliceRules.Comparison, lookup: Provider.Found, now: number): boolean => {
  const actual = resolve(lookup, condition.path)
  if (condition.operator === "not_exists") return actual === missing
  if (actual === missing) return false
  const { ignoreCase, operand } = condition
  switch (condition.operator) {
    case "exists":
      return true
    case "eq":
      return operand._tag === "Scalar" && values.equals(actual, operand.value, ignoreCase)
    case "neq":
      return operand._tag === "Scalar" && values.isScalar(actual) && !values.equals(actual, operand.value, ignoreCase)
    case "gt":
      return holds(compare(actual, operand), (difference) => difference > 0)
    case "gte":
      return holds(compare(actual, operand), (difference) => difference >= 0)
    case "lt":
      return holds(compare(actual, operand), (difference) => difference < 0)
    case "lte":
      return holds(compare(actual, operand), (difference) => difference <= 0)
    case "in":
      if (operand._tag !== "List") return false
      return Array.isArray(actual)
        ? actual.some((element) => inList(element, operand.values, ignoreCase))
        : values.isScalar(actual) && inList(actual, operand.values, ignoreCase)
    case "not_in":
      if (operand._tag !== "List") return false
      return Array.isArray(actual)
        ? !actual.some((element) => inList(element, operand.values, ignoreCase))
        : values.isScalar(actual) && !inList(actual, operand.values, ignoreCase)
    case "contains":
    case "not_contains": {
      if (operand._tag !== "Scalar") return false
      const negate = condition.operator === "not_contains"
      if (typeof actual === "string") {
        const found = substring(actual, operand.value, ignoreCase)
        return found === undefined ? false : found !== negate
      }
      if (Array.isArray(actual)) return member(actual, operand.value, ignoreCase) !== negate
      return false
    }
    case "starts_with":
      return operand._tag === "Scalar" &&
        someString(actual, (s) => fold(s, ignoreCase).startsWith(fold(String(operand.value), ignoreCase)))
    case "ends_with":
      return operand._tag === "Scalar" &&
        someString(actual, (s) => fold(s, ignoreCase).endsWith(fold(String(operand.value), ignoreCase)))
    case "matches":
      return operand._tag === "Pattern" &&
        someString(actual, (s) => operand.matcher(truncate(s)))
    case "older_than":
    case "newer_than": {
      if (operand._tag !== "Duration" || typeof actual !== "string") return false
      const instant = values.instantOf(actual)
      if (instant === undefined) return false
      const threshold = now - operand.millis
      return condition.operator === "older_than" ? instant < threshold : instant > threshold
    }
  }
}

/** @internal */
export const test = (condition: MaliceRules.Condition, lookup: Provider.Found, now: number): boolean => {
  switch (condition._tag) {
    case "Comparison":
      return comparison(condition, lookup, now)
    case "All":
      return condition.conditions.every((inner) => test(inner, lookup, now))
    case "Any":
      return condition.conditions.some((inner) => test(inner, lookup, now))
    case "Not":
      return !test(condition.condition, lookup, now)
  }
}

/** @internal */
export const evaluate = (
  ruleSet: MaliceRules.RuleSet,
  lookup: Provider.Lookup,
  now: number
): MaliceRules.Evaluation => {
  if (lookup._tag === "NotFound") return { verdict: ruleSet.notFoundVerdict, matchedRule: null }
  for (const rule of ruleSet.rules) {
    if (test(rule.condition, lookup, now)) {
      return {
        verdict: rule.verdict,
        matchedRule: rule.name === undefined ? { index: rule.index } : { index: rule.index, name: rule.name }
      }
    }
  }
  return { verdict: ruleSet.defaultVerdict, matchedRule: null }
}
