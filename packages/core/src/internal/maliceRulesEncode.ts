/**
 * The normalized JSON form of a rule set (the inverse of decoding).
 *
 * @internal
 */
import type * as MaliceRules from "../MaliceRules.js"

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
