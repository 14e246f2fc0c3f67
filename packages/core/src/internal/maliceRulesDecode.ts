/**
 * Validation and normalization of malice rules (both syntaxes): the walk over the rule file's structure. Operands are
 * checked in `maliceRulesOperand`, JSON text in `maliceRulesJson`, the normalized form built in `maliceRulesEncode`.
 *
 * A hand-written walk rather than a Schema: the value a comparison needs depends on its operator, and every problem
 * must be reported with its JSON path and a message written for a rule author.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type * as MaliceRules from "../MaliceRules.js"
import * as Verdict from "../Verdict.js"
import { operand } from "./maliceRulesOperand.js"
import { aliases, caseFoldingOperators, operators } from "./maliceRulesOperators.js"
import { describe, isRecord, join, quote, quoteList, suggestion } from "./maliceRulesText.js"

type Problem = MaliceRules.Problem

const operatorNames = operators
const aliasNames = aliases
const caseFolding: ReadonlySet<MaliceRules.Operator> = new Set(caseFoldingOperators)
/** @internal */
export const maxDepth = 32

const ruleSetKeys = ["rules", "conditions", "default_verdict", "not_found_verdict"]
const comparisonKeys = ["field", "operator", "value", "ignore_case"]
const compoundKeys = ["all", "any", "not"]
const ruleKeys = ["name", "verdict"]

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
        extra ?? `unknown key ${quote(key)} (${suggestion(key, allowed)}expected one of ${quoteList(allowed)})`
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
    const checked = operand(
      (at, message) => this.report(at, message),
      join(path, "value"),
      operator,
      object,
      ignoreCase
    )
    if (fieldPath === undefined || checked === undefined || !ignoreCaseValid) return undefined
    const comparison = {
      _tag: "Comparison" as const,
      field: object.field as string,
      path: fieldPath,
      operator,
      ignoreCase,
      operand: checked.operand
    }
    return checked.value === undefined ? comparison : { ...comparison, value: checked.value }
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
}

/**
 * Validates and normalizes a rule set given as a value: every problem, or the rule set.
 *
 * @internal
 */
export const decode = (input: unknown): Either.Either<MaliceRules.RuleSet, ReadonlyArray<Problem>> => {
  const walker = new Walker()
  const ruleSet = walker.ruleSet(input)
  if (walker.problems.length > 0 || ruleSet === undefined) {
    return Either.left(walker.problems.length > 0 ? walker.problems : [{ path: "", message: "the rules are invalid" }])
  }
  return Either.right(ruleSet)
}
