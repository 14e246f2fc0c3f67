/**
 * Validation and normalization of malice rules (both syntaxes), and their normalized JSON form.
 *
 * A hand-written walk rather than a Schema: the value a comparison needs depends on its operator, and every problem
 * must be reported with its JSON path and a message written for a rule author.
 *
 * @internal
 */
import type * as MaliceRules from "../MaliceRules.js"
import * as Verdict from "../Verdict.js"
import { aliases, caseFoldingOperators, operators } from "./maliceRulesOperators.js"
import * as internalRegex from "./maliceRulesRegex.js"
import * as values from "./maliceRulesValues.js"

type Problem = MaliceRules.Problem

/** @internal */
export type DecodeResult =
  | { readonly _tag: "Right"; readonly ruleSet: MaliceRules.RuleSet }
  | { readonly _tag: "Left"; readonly problems: ReadonlyArray<Problem> }

const operatorNames = operators
const aliasNames = aliases
const caseFolding: ReadonlySet<MaliceRules.Operator> = new Set(caseFoldingOperators)
/** @internal */
export const maxDepth = 32

const ruleSetKeys = ["rules", "conditions", "default_verdict", "not_found_verdict"]
const comparisonKeys = ["field", "operator", "value", "ignore_case"]
const compoundKeys = ["all", "any", "not"]
const ruleKeys = ["name", "verdict"]

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const describe = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  if (typeof u === "object") return "an object"
  const shown = JSON.stringify(u)
  return shown.length > 60 ? `${shown.slice(0, 60)}…` : shown
}

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`)

const quoteList = (items: ReadonlyArray<string>): string => items.join(", ")

// A typo (`feild`) gets a suggestion: the closest allowed key within two edits.
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]
}

const suggestion = (word: string, candidates: ReadonlyArray<string>): string => {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best === undefined ? "" : `did you mean "${best}"? `
}

class Walker {
  readonly problems: Array<Problem> = []

  report(path: string, message: string): void {
    this.problems.push({ path, message })
  }

  unknownKeys(path: string, object: Record<string, unknown>, allowed: ReadonlyArray<string>, hint?: string): void {
    for (const key of Object.keys(object)) {
      if (allowed.includes(key)) continue
      const extra = key === "verdict" || key === "name" ? hint : undefined
      this.report(
        join(path, key),
        extra ?? `unknown key "${key}" (${suggestion(key, allowed)}expected one of ${quoteList(allowed)})`
      )
    }
  }

  verdict(path: string, u: unknown): Verdict.Verdict | undefined {
    if (Verdict.is(u)) return u
    this.report(path, `unknown verdict ${describe(u)} (expected one of ${quoteList(Verdict.values)})`)
    return undefined
  }

  ruleSet(input: unknown): MaliceRules.RuleSet | undefined {
    if (!isRecord(input)) {
      this.report(
        "",
        `expected an object with "rules" (Calseta form) or "conditions" (product page form), got ${describe(input)}`
      )
      return undefined
    }
    let body: unknown = input
    let path = ""
    if ("malice_rules" in input) {
      this.unknownKeys("", input, ["malice_rules"])
      body = input.malice_rules
      path = "malice_rules"
      if (!isRecord(body)) {
        this.report(path, `expected an object with "rules" or "conditions", got ${describe(body)}`)
        return undefined
      }
    }
    const object = body as Record<string, unknown>
    this.unknownKeys(path, object, ruleSetKeys)
    const defaultVerdict = "default_verdict" in object
      ? this.verdict(join(path, "default_verdict"), object.default_verdict)
      : "Pending"
    const notFoundVerdict = "not_found_verdict" in object
      ? this.verdict(join(path, "not_found_verdict"), object.not_found_verdict)
      : "Pending"
    const hasRules = "rules" in object
    const hasConditions = "conditions" in object
    if (hasRules && hasConditions) {
      this.report(path, `has both "rules" and "conditions"; use one of them`)
      return undefined
    }
    if (!hasRules && !hasConditions) {
      this.report(path, `missing "rules" (Calseta form) or "conditions" (product page form)`)
      return undefined
    }
    const key = hasRules ? "rules" : "conditions"
    const listPath = join(path, key)
    const list = object[key]
    if (!Array.isArray(list)) {
      this.report(listPath, `expected an array of rules, got ${describe(list)}`)
      return undefined
    }
    const rules: Array<MaliceRules.Rule> = []
    list.forEach((entry, index) => {
      const rule = this.rule(`${listPath}[${index}]`, entry, index)
      if (rule !== undefined) rules.push(rule)
    })
    if (defaultVerdict === undefined || notFoundVerdict === undefined || rules.length !== list.length) return undefined
    return { rules, defaultVerdict, notFoundVerdict }
  }

  rule(path: string, entry: unknown, index: number): MaliceRules.Rule | undefined {
    if (!isRecord(entry)) {
      this.report(path, `expected a rule object ({"field", "operator", "value", "verdict"}), got ${describe(entry)}`)
      return undefined
    }
    let name: string | undefined
    if ("name" in entry) {
      if (typeof entry.name === "string" && entry.name.trim() !== "") name = entry.name
      else this.report(join(path, "name"), `expected a non-empty string, got ${describe(entry.name)}`)
    }
    const condition = this.condition(path, entry, 1, ruleKeys)
    let verdict: Verdict.Verdict | undefined
    if ("verdict" in entry) verdict = this.verdict(join(path, "verdict"), entry.verdict)
    else this.report(join(path, "verdict"), `missing (expected one of ${quoteList(Verdict.values)})`)
    if (condition === undefined || verdict === undefined || ("name" in entry && name === undefined)) return undefined
    return name === undefined ? { index, condition, verdict } : { index, name, condition, verdict }
  }

  condition(
    path: string,
    object: Record<string, unknown>,
    depth: number,
    extraKeys: ReadonlyArray<string>
  ): MaliceRules.Condition | undefined {
    if (depth > maxDepth) {
      this.report(path, `conditions are nested deeper than ${maxDepth} levels`)
      return undefined
    }
    const compounds = compoundKeys.filter((key) => key in object)
    const comparisons = comparisonKeys.filter((key) => key in object)
    const hint = extraKeys.length === 0
      ? `"verdict" and "name" belong on the rule, not inside all / any / not`
      : undefined
    if (compounds.length > 1) {
      this.report(path, `a condition has one of ${quoteList(compoundKeys)}, found ${quoteList(compounds)}`)
      return undefined
    }
    if (compounds.length === 1 && comparisons.length > 0) {
      this.report(
        path,
        `a condition is either a comparison (field, operator, value) or "${compounds[0]}", not both ` +
          `(found ${quoteList([...comparisons, compounds[0]])})`
      )
      return undefined
    }
    if (compounds.length === 0) {
      this.unknownKeys(path, object, [...comparisonKeys, ...extraKeys, ...compoundKeys], hint)
      return this.comparison(path, object)
    }
    const key = compounds[0]
    this.unknownKeys(path, object, [key, ...extraKeys], hint)
    const innerPath = join(path, key)
    const inner = object[key]
    if (key === "not") {
      if (!isRecord(inner)) {
        this.report(innerPath, `expected a condition object, got ${describe(inner)}`)
        return undefined
      }
      const condition = this.condition(innerPath, inner, depth + 1, [])
      return condition === undefined ? undefined : { _tag: "Not", condition }
    }
    if (!Array.isArray(inner) || inner.length === 0) {
      this.report(innerPath, `expected a non-empty array of conditions, got ${describe(inner)}`)
      return undefined
    }
    const conditions: Array<MaliceRules.Condition> = []
    inner.forEach((element, index) => {
      const elementPath = `${innerPath}[${index}]`
      if (!isRecord(element)) {
        this.report(elementPath, `expected a condition object, got ${describe(element)}`)
        return
      }
      const condition = this.condition(elementPath, element, depth + 1, [])
      if (condition !== undefined) conditions.push(condition)
    })
    if (conditions.length !== inner.length) return undefined
    return key === "all" ? { _tag: "All", conditions } : { _tag: "Any", conditions }
  }

  comparison(path: string, object: Record<string, unknown>): MaliceRules.Comparison | undefined {
    const fieldPath = this.field(join(path, "field"), object)
    const operator = this.operator(join(path, "operator"), object)
    let ignoreCase = false
    let ignoreCaseValid = true
    if ("ignore_case" in object) {
      if (typeof object.ignore_case !== "boolean") {
        this.report(join(path, "ignore_case"), `expected true or false, got ${describe(object.ignore_case)}`)
        ignoreCaseValid = false
      } else if (operator !== undefined && object.ignore_case && !caseFolding.has(operator)) {
        this.report(
          join(path, "ignore_case"),
          `operator "${operator}" does not compare text (ignore_case applies to ${quoteList([...caseFolding])})`
        )
        ignoreCaseValid = false
      } else {
        ignoreCase = object.ignore_case
      }
    }
    if (operator === undefined) return undefined
    const operand = this.operand(join(path, "value"), operator, object, ignoreCase)
    if (fieldPath === undefined || operand === undefined || !ignoreCaseValid) return undefined
    const comparison = {
      _tag: "Comparison" as const,
      field: object.field as string,
      path: fieldPath,
      operator,
      ignoreCase,
      operand: operand.operand
    }
    return operand.value === undefined ? comparison : { ...comparison, value: operand.value }
  }

  field(path: string, object: Record<string, unknown>): MaliceRules.FieldPath | undefined {
    if (!("field" in object)) {
      this.report(path, `missing (a dotted path into the extracted fields such as "status", or "raw.<path>")`)
      return undefined
    }
    const field = object.field
    if (typeof field !== "string") {
      this.report(path, `expected a string, got ${describe(field)}`)
      return undefined
    }
    if (field.trim() === "") {
      this.report(path, `is empty (expected a dotted path such as "status" or "admin_roles.0.type")`)
      return undefined
    }
    if (field !== field.trim()) {
      this.report(path, `${describe(field)} has leading or trailing spaces`)
      return undefined
    }
    const segments = field.split(".")
    if (segments.some((segment) => segment === "")) {
      this.report(path, `${describe(field)} has an empty segment (expected a dotted path such as "admin_roles.0.type")`)
      return undefined
    }
    return segments[0] === "raw"
      ? { root: "raw", segments: segments.slice(1) }
      : { root: "extracted", segments }
  }

  operator(path: string, object: Record<string, unknown>): MaliceRules.Operator | undefined {
    const expected = `expected one of ${quoteList(operatorNames)}, or ${quoteList(Object.keys(aliasNames))}`
    if (!("operator" in object)) {
      this.report(path, `missing (${expected})`)
      return undefined
    }
    const operator = object.operator
    if (typeof operator === "string") {
      if ((operatorNames as ReadonlyArray<string>).includes(operator)) return operator as MaliceRules.Operator
      const alias = aliasNames[operator]
      if (alias !== undefined && Object.hasOwn(aliasNames, operator)) return alias
      this.report(path, `unknown operator ${describe(operator)} (${suggestion(operator, operatorNames)}${expected})`)
      return undefined
    }
    this.report(path, `expected an operator name, got ${describe(operator)} (${expected})`)
    return undefined
  }

  operand(
    path: string,
    operator: MaliceRules.Operator,
    object: Record<string, unknown>,
    ignoreCase: boolean
  ):
    | {
      readonly operand: MaliceRules.Operand
      readonly value: MaliceRules.Scalar | ReadonlyArray<MaliceRules.Scalar> | undefined
    }
    | undefined
  {
    const present = "value" in object
    const value = object.value
    const fail = (message: string) => {
      this.report(path, message)
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
            this.report(`${path}[${index}]`, `expected a string, number or boolean, got ${describe(element)}`)
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
        const millis = typeof value === "string" ? values.durationOf(value) : undefined
        if (millis !== undefined && typeof value === "string") {
          return { operand: { _tag: "Duration", millis }, value }
        }
        return fail(
          `operator "${operator}" needs a duration such as "90d" or "12h" (units w, d, h, m, s), got ${describe(value)}`
        )
      }
      case "matches": {
        if (typeof value !== "string" || value === "") {
          return fail(`operator "matches" needs a non-empty regular expression string, got ${describe(value)}`)
        }
        const flags = ignoreCase ? "i" : ""
        let regex: RegExp
        try {
          regex = new RegExp(value, flags)
        } catch (error) {
          return fail(`invalid regular expression ${describe(value)}: ${(error as Error).message}`)
        }
        const safety = internalRegex.check(value, flags)
        if (safety._tag === "Unsafe") return fail(`unsafe regular expression ${describe(value)}: ${safety.reason}`)
        return { operand: { _tag: "Pattern", regex }, value }
      }
    }
  }
}

/** @internal */
export const decode = (input: unknown): DecodeResult => {
  const walker = new Walker()
  const ruleSet = walker.ruleSet(input)
  if (walker.problems.length > 0 || ruleSet === undefined) {
    const problems = walker.problems.length > 0
      ? walker.problems
      : [{ path: "", message: "the rules are invalid" }]
    return { _tag: "Left", problems }
  }
  return { _tag: "Right", ruleSet }
}

/**
 * Where JSON text first goes wrong, and how. `JSON.parse` only says so in a message whose form varies (a position,
 * or a multi-line excerpt of the text); this scanner gives every syntax error a line and a column.
 */
const syntaxError = (text: string): { readonly position: number; readonly reason: string } => {
  let position = 0
  class Failure {
    constructor(readonly position: number, readonly reason: string) {}
  }
  const fail = (reason?: string): never => {
    throw new Failure(
      position,
      reason ?? (position >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[position])}`)
    )
  }
  const space = () => {
    while (position < text.length && " \t\n\r".includes(text[position])) position++
  }
  const expect = (char: string) => (text[position] === char ? position++ : fail())
  const literal = (word: string) => {
    if (text.startsWith(word, position)) position += word.length
    else fail()
  }
  const string = () => {
    expect("\"")
    while (position < text.length && text[position] !== "\"") {
      const char = text[position]
      if (char < " ") fail("control character in a string")
      if (char === "\\") {
        position++
        if (text[position] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(position + 1, position + 5))) fail("bad \\u escape")
          position += 4
        } else if (!"\"\\/bfnrt".includes(text[position] ?? "")) fail("bad escape")
      }
      position++
    }
    expect("\"")
  }
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(position))
    if (match === null) fail()
    position += match![0].length
  }
  const value = (): void => {
    space()
    const char = text[position]
    if (char === "{") {
      position++
      space()
      if (text[position] === "}") return void position++
      for (;;) {
        space()
        string()
        space()
        expect(":")
        value()
        space()
        if (text[position] === ",") position++
        else return void expect("}")
      }
    }
    if (char === "[") {
      position++
      space()
      if (text[position] === "]") return void position++
      for (;;) {
        value()
        space()
        if (text[position] === ",") position++
        else return void expect("]")
      }
    }
    if (char === "\"") return string()
    if (char === "t") return literal("true")
    if (char === "f") return literal("false")
    if (char === "n") return literal("null")
    return number()
  }
  try {
    value()
    space()
    if (position < text.length) fail(`unexpected ${JSON.stringify(text[position])} after the end of the JSON value`)
    return { position: 0, reason: "invalid JSON" }
  } catch (error) {
    if (error instanceof Failure) return error
    throw error
  }
}

/** @internal */
export const parseJson = (
  text: string
): { readonly _tag: "Right"; readonly value: unknown } | { readonly _tag: "Left"; readonly problem: Problem } => {
  try {
    return { _tag: "Right", value: JSON.parse(text) }
  } catch {
    const { position, reason } = syntaxError(text)
    const before = text.slice(0, position).split("\n")
    const at = `line ${before.length}, column ${before[before.length - 1].length + 1}`
    return { _tag: "Left", problem: { path: "", message: `invalid JSON at ${at}: ${reason}` } }
  }
}

const encodeCondition = (condition: MaliceRules.Condition): MaliceRules.ConditionJson => {
  switch (condition._tag) {
    case "All":
      return { all: condition.conditions.map(encodeCondition) }
    case "Any":
      return { any: condition.conditions.map(encodeCondition) }
    case "Not":
      return { not: encodeCondition(condition.condition) }
    case "Comparison": {
      const base = { field: condition.field, operator: condition.operator }
      const withValue = condition.value === undefined ? base : { ...base, value: condition.value }
      return condition.ignoreCase ? { ...withValue, ignore_case: true } : withValue
    }
  }
}

/** @internal */
export const encode = (ruleSet: MaliceRules.RuleSet): MaliceRules.RuleSetJson => ({
  rules: ruleSet.rules.map((rule) => ({
    ...(rule.name === undefined ? {} : { name: rule.name }),
    ...encodeCondition(rule.condition),
    verdict: rule.verdict
  })),
  default_verdict: ruleSet.defaultVerdict,
  not_found_verdict: ruleSet.notFoundVerdict
})
