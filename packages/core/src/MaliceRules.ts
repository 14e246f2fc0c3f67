/**
 * Malice rules: a small, validated rule language that turns a provider's extracted fields into a verdict.
 *
 * Two syntaxes are accepted, and both normalize to one {@link RuleSet}:
 *
 * - the product page form: `{"malice_rules": {"conditions": [{"field", "operator", "value", "verdict"}]}}`, also
 *   without the `malice_rules` wrapper (`{"conditions": [...]}`);
 * - the Calseta form: `{"rules": [...], "default_verdict": "Benign", "not_found_verdict": "Pending"}`.
 *
 * `default_verdict` and `not_found_verdict` are allowed next to `conditions` as well, and either form may be wrapped
 * in `malice_rules`. Rules are ordered and the first match wins. Every problem in a rule file is reported at once,
 * each with its JSON path, in one {@link MaliceRulesError}; nothing is ever silently ignored.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as internalDecode from "./internal/maliceRulesDecode.js"
import * as internalEncode from "./internal/maliceRulesEncode.js"
import * as internalEvaluate from "./internal/maliceRulesEvaluate.js"
import * as internalJson from "./internal/maliceRulesJson.js"
import * as internalOperators from "./internal/maliceRulesOperators.js"
import * as internalRegex from "./internal/maliceRulesRegex.js"
import type * as Provider from "./Provider.js"
import type { MatchedRule } from "./ProviderResult.js"
import type { Verdict } from "./Verdict.js"

// -----------------------------------------------------------------------------
// operators
// -----------------------------------------------------------------------------

/** The operators of the rule language, by name. */
export const operators: typeof internalOperators.operators = internalOperators.operators

/** An operator name. */
export type Operator = internalOperators.Operator

/** Symbolic aliases (Calseta's spelling), normalized to the operator names at load. */
export const aliases: Readonly<Record<string, Operator>> = internalOperators.aliases

/** Operators that `ignore_case: true` applies to (they compare strings). */
export const caseFoldingOperators: ReadonlyArray<Operator> = internalOperators.caseFoldingOperators

/** The deepest nesting of `all` / `any` / `not` accepted (a rule's own condition is level 1). */
export const maxDepth: number = internalDecode.maxDepth

/**
 * `matches` tests at most this many characters of a value (the first ones); longer values are cut before testing.
 *
 * How `matches` is kept from hanging the process (three defences):
 *
 * 1. **A linear-time engine.** Patterns are written in JavaScript syntax but run on RE2 (`re2js`, pure JavaScript):
 *    an automaton whose time grows linearly with the value, whatever the pattern; it never backtracks. What RE2
 *    cannot run in linear time is refused at load: lookahead (`(?=`, `(?!`) and backreferences (`\1`, `\k<name>`).
 *    Lookbehind (`(?<=svc-)`) is supported.
 * 2. **Static check at load**, flags included (with `ignore_case: true`, `svc` and `SVC` are the same text). Patterns
 *    that would backtrack catastrophically on a backtracking engine are refused, so a rule file stays safe wherever it
 *    runs: nested repetition (`(a+)+`, `(\w+\s?)*`), a repeated group whose alternatives can overlap (`(a|ab)+`,
 *    and `(svc|SVC)+` with `ignore_case`; `(foo|bar)+` is fine), and chained repetitions that can split the same text
 *    in many ways (`.*a.*b` unanchored, `^a+a+a+x`): the check estimates the worst-case number of ways a pattern can
 *    split a value of `maxRegexInput` characters and refuses patterns above a fixed budget of 2e7. Anchoring a pattern
 *    with `^` is usually the fix.
 * 3. **Bounded input.** Only the first `maxRegexInput` characters of a value are tested; patterns are at most
 *    {@link maxPatternLength} characters.
 *
 * `ignore_case: true` makes the match case-insensitive.
 */
export const maxRegexInput: number = internalRegex.maxInput

/** The longest `matches` pattern accepted, in characters. */
export const maxPatternLength: number = internalRegex.maxPatternLength

// -----------------------------------------------------------------------------
// model
// -----------------------------------------------------------------------------

/** A scalar operand: what `eq`, `contains`, ... compare against. */
export type Scalar = string | number | boolean

/**
 * What a comparison compares against, prepared at load (parsed bound, duration in milliseconds, compiled pattern).
 *
 * @internal
 */
export type Operand =
  | { readonly _tag: "None" }
  | { readonly _tag: "Scalar"; readonly value: Scalar }
  | { readonly _tag: "List"; readonly values: ReadonlyArray<Scalar> }
  | { readonly _tag: "Number"; readonly value: number }
  | { readonly _tag: "Instant"; readonly epochMillis: number }
  | { readonly _tag: "Duration"; readonly millis: number }
  | { readonly _tag: "Pattern"; readonly matcher: (text: string) => boolean }

/** Where a field lives: in the provider's `extracted` fields, or (with a `raw.` prefix) in its raw response. */
export interface FieldPath {
  readonly root: "extracted" | "raw"
  readonly segments: ReadonlyArray<string>
}

/** A comparison of one field with an operand: `{"field": "status", "operator": "eq", "value": "SUSPENDED"}`. */
export interface Comparison {
  readonly _tag: "Comparison"
  /** The field as written: a dotted path into `extracted`, or into the raw response with a `raw.` prefix. */
  readonly field: string
  readonly path: FieldPath
  /** The operator, aliases normalized to names. */
  readonly operator: Operator
  /** The value as written; absent for `exists` / `not_exists`. */
  readonly value?: Scalar | ReadonlyArray<Scalar>
  /** Compare strings case-insensitively. */
  readonly ignoreCase: boolean
  /** @internal */
  readonly operand: Operand
}

/** True when every condition is true. */
export interface All {
  readonly _tag: "All"
  readonly conditions: ReadonlyArray<Condition>
}

/** True when at least one condition is true. */
export interface Any {
  readonly _tag: "Any"
  readonly conditions: ReadonlyArray<Condition>
}

/** True when the condition is false. */
export interface Not {
  readonly _tag: "Not"
  readonly condition: Condition
}

/** A condition: a comparison or a compound of conditions. */
export type Condition = Comparison | All | Any | Not

/** A rule: when its condition holds, the lookup gets its verdict. */
export interface Rule {
  /** Position of the rule in its file (0-based); reported as `matched_rule.index`. */
  readonly index: number
  readonly name?: string
  readonly condition: Condition
  readonly verdict: Verdict
}

/** A validated, normalized rule set. Build one with {@link decode}, {@link parse} or {@link load}. */
export interface RuleSet {
  readonly rules: ReadonlyArray<Rule>
  /** The verdict when no rule matches (default `Pending`). */
  readonly defaultVerdict: Verdict
  /** The verdict when the provider did not find the indicator (default `Pending`); rules are not evaluated. */
  readonly notFoundVerdict: Verdict
}

/** The verdict a rule set gives a lookup, and the rule that decided it (`null` when a default applied). */
export interface Evaluation {
  readonly verdict: Verdict
  readonly matchedRule: MatchedRule | null
}

/** No rules: every lookup is Pending (the product page: Okta sets no verdict by default). */
export const empty: RuleSet = { rules: [], defaultVerdict: "Pending", notFoundVerdict: "Pending" }

// -----------------------------------------------------------------------------
// errors
// -----------------------------------------------------------------------------

/** One problem in a rule file: where (a JSON path such as `conditions[2].operator`, empty for the whole file) and what. */
export const Problem = Schema.Struct({
  path: Schema.String,
  message: Schema.String
})

/** One problem in a rule file. */
export type Problem = typeof Problem.Type

/**
 * A rule file that cannot be used. Lists every problem found, one per line, each with its JSON path:
 *
 * ```text
 * rules.json: 2 problems
 *   conditions[2].operator: unknown operator "eqq" (expected one of eq, neq, ...)
 *   conditions[3].value: operator "in" needs a non-empty array, got "x"
 * ```
 */
export class MaliceRulesError extends Schema.TaggedError<MaliceRulesError>()("MaliceRulesError", {
  /** The rule file's path, or `<inline>` for rules given as a value. */
  source: Schema.String,
  problems: Schema.Array(Problem)
}) {
  override get message(): string {
    const count = this.problems.length
    const lines = this.problems.map((problem) =>
      problem.path === "" ? `  ${problem.message}` : `  ${problem.path}: ${problem.message}`
    )
    return [`${this.source}: ${count} ${count === 1 ? "problem" : "problems"}`, ...lines].join("\n")
  }
}

/** The `source` of rules that did not come from a file. */
const inlineSource = "<inline>"

// -----------------------------------------------------------------------------
// decoding
// -----------------------------------------------------------------------------

/** Options of {@link decode} and {@link parse}. */
export interface DecodeOptions {
  /** Where the rules came from, shown in errors (a file path). Default `<inline>`. */
  readonly source?: string | undefined
}

/**
 * Validates and normalizes rules given as a value (already parsed JSON), in either syntax.
 *
 * Fails with {@link MaliceRulesError} listing every problem: unknown key, operator or verdict, a value of the wrong
 * type for its operator, an empty field, a bad duration, an unsafe or invalid pattern, nesting deeper than
 * {@link maxDepth}.
 */
export const decode = (input: unknown, options?: DecodeOptions): Effect.Effect<RuleSet, MaliceRulesError> =>
  Effect.suspend(() =>
    Either.mapLeft(
      internalDecode.decode(input),
      (problems) => new MaliceRulesError({ source: options?.source ?? inlineSource, problems })
    )
  )

/**
 * Like {@link decode}, synchronously; throws {@link MaliceRulesError}. Meant for rule sets written in code (defaults,
 * tests), where a bad rule is a bug.
 */
export const decodeSync = (input: unknown, options?: DecodeOptions): RuleSet => Effect.runSync(decode(input, options))

/**
 * Parses rules from JSON text, then {@link decode}s them. A JSON syntax error is reported with its line and column.
 */
export const parse = (text: string, options?: DecodeOptions): Effect.Effect<RuleSet, MaliceRulesError> =>
  Effect.suspend(() =>
    Either.match(internalJson.parseJson(text), {
      onLeft: (problem) =>
        Effect.fail(new MaliceRulesError({ source: options?.source ?? inlineSource, problems: [problem] })),
      onRight: (json) => decode(json, options)
    })
  )

/** Reads and {@link parse}s a rule file. Errors (including a file that cannot be read) name the file. */
export const load = (path: string): Effect.Effect<RuleSet, MaliceRulesError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((error) =>
        new MaliceRulesError({
          source: path,
          problems: [{ path: "", message: `cannot read the rules file: ${error.message}` }]
        })
      )
    )
    return yield* parse(text, { source: path })
  })

// -----------------------------------------------------------------------------
// encoding
// -----------------------------------------------------------------------------

/** A comparison in the normalized JSON form. */
export interface ComparisonJson {
  readonly field: string
  readonly operator: Operator
  readonly value?: Scalar | ReadonlyArray<Scalar>
  readonly ignore_case?: true
}

/** A condition in the normalized JSON form. */
export type ConditionJson =
  | ComparisonJson
  | { readonly all: ReadonlyArray<ConditionJson> }
  | { readonly any: ReadonlyArray<ConditionJson> }
  | { readonly not: ConditionJson }

/** A rule in the normalized JSON form: its optional name, its condition, its verdict. */
export type RuleJson = { readonly name?: string } & ConditionJson & { readonly verdict: Verdict }

/** The normalized JSON form of a rule set (the Calseta form, with operator names instead of symbols). */
export interface RuleSetJson {
  readonly rules: ReadonlyArray<RuleJson>
  readonly default_verdict: Verdict
  readonly not_found_verdict: Verdict
}

/**
 * The normalized JSON form of a rule set: the Calseta form (`rules`, `default_verdict`, `not_found_verdict`) with
 * aliases replaced by operator names and `exists` without a value. Decoding it gives the same rule set back.
 */
export const encode = (ruleSet: RuleSet): RuleSetJson => internalEncode.encode(ruleSet)

// -----------------------------------------------------------------------------
// evaluation
// -----------------------------------------------------------------------------

/**
 * Evaluates a rule set against a lookup at the instant `now` (epoch milliseconds). Pure.
 *
 * - Not found: `notFoundVerdict`, rules are not evaluated.
 * - Found: the first rule whose condition holds gives the verdict and is named in `matchedRule`; no match gives
 *   `defaultVerdict`.
 *
 * A missing (or `null`) field never matches, whatever the operator, except `not_exists`; so `neq`, `not_in` and
 * `not_contains` are false on a missing field. A value of the wrong type for the operator (`gt` on an array,
 * `starts_with` on a number) does not match either.
 */
export const evaluate = (ruleSet: RuleSet, lookup: Provider.Lookup, now: number): Evaluation =>
  internalEvaluate.evaluate(ruleSet, lookup, now)

/** {@link evaluate} at the current time of Effect's `Clock` (so `TestClock` drives `older_than` / `newer_than`). */
export const evaluateEffect = (ruleSet: RuleSet, lookup: Provider.Lookup): Effect.Effect<Evaluation> =>
  Effect.map(Clock.currentTimeMillis, (now) => evaluate(ruleSet, lookup, now))

/** True when the condition reads a `raw.` field (or the whole `raw`) anywhere in it. */
const conditionReadsRaw = (condition: Condition): boolean => {
  switch (condition._tag) {
    case "Comparison":
      return condition.path.root === "raw"
    case "All":
    case "Any":
      return condition.conditions.some(conditionReadsRaw)
    case "Not":
      return conditionReadsRaw(condition.condition)
  }
}

/**
 * True when some rule reads the provider's raw responses (a field `raw.…`, in any `all` / `any` / `not`). A provider
 * can drop its raw responses when no rule reads them and nobody asked for raw output: they are most of a cached
 * lookup's memory.
 */
export const readsRaw = (ruleSet: RuleSet): boolean => ruleSet.rules.some((rule) => conditionReadsRaw(rule.condition))

/** Evaluates a single condition against a lookup's fields at `now`; `false` for a not-found lookup. */
export const test = (condition: Condition, lookup: Provider.Lookup, now: number): boolean =>
  lookup._tag === "NotFound" ? false : internalEvaluate.test(condition, lookup, now)
