/**
 * Malice rules: the interpreter that turns a provider's extracted fields into a verdict.
 * (Contract stub: the interpreter is being written; these signatures are fixed.)
 *
 * @since 0.1.0
 */
import type * as Provider from "./Provider.js"
import type { MatchedRule } from "./ProviderResult.js"
import type { Verdict } from "./Verdict.js"

/** A validated, normalized rule set. */
export interface RuleSet {
  readonly rules: ReadonlyArray<unknown>
  readonly defaultVerdict: Verdict
  readonly notFoundVerdict: Verdict
}

/** The verdict a rule set gives a lookup, and the rule that decided it (`null` when a default applied). */
export interface Evaluation {
  readonly verdict: Verdict
  readonly matchedRule: MatchedRule | null
}

/** No rules: every lookup is Pending (the product page: Okta sets no verdict by default). */
export const empty: RuleSet = { rules: [], defaultVerdict: "Pending", notFoundVerdict: "Pending" }

/** Evaluates a rule set against a lookup at the instant `now` (epoch milliseconds); the first matching rule wins. */
export const evaluate = (ruleSet: RuleSet, lookup: Provider.Lookup, now: number): Evaluation => {
  void now
  return lookup._tag === "NotFound"
    ? { verdict: ruleSet.notFoundVerdict, matchedRule: null }
    : { verdict: ruleSet.defaultVerdict, matchedRule: null }
}
