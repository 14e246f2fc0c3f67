/**
 * The result of one provider for one indicator, in the JSON shape of the product page (and Calseta):
 * `{ status, success, extracted, enriched_at, cache_hit, verdict, matched_rule, error_message, warnings?, raw? }`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Verdict from "./Verdict.js"

/** What happened: the provider answered (`success`, including "not found"), failed, or does not handle the type. */
export const Status = Schema.Literal("success", "failed", "skipped")

/** The rule that decided the verdict: its position in the rule file and its optional name. */
export const MatchedRule = Schema.Struct({
  index: Schema.Number,
  name: Schema.optional(Schema.String)
})

/** The rule that decided the verdict. */
export type MatchedRule = typeof MatchedRule.Type

/**
 * One provider's result. "Not found" is a success with `extracted: { found: false }`.
 * `warnings` lists what could not be fetched when the result is partial; `raw` is present only when asked for.
 */
export const ProviderResult = Schema.Struct({
  status: Status,
  success: Schema.Boolean,
  extracted: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  enriched_at: Schema.NullOr(Schema.String),
  cache_hit: Schema.Boolean,
  verdict: Verdict.Verdict,
  matched_rule: Schema.NullOr(MatchedRule),
  error_message: Schema.NullOr(Schema.String),
  warnings: Schema.optional(Schema.Array(Schema.String)),
  raw: Schema.optional(Schema.Unknown)
})

/** One provider's result. */
export type ProviderResult = typeof ProviderResult.Type

/** A failed result: the provider could not answer. */
export const failed = (errorMessage: string, verdict: Verdict.Verdict = "Pending"): ProviderResult => ({
  status: "failed",
  success: false,
  extracted: null,
  enriched_at: null,
  cache_hit: false,
  verdict,
  matched_rule: null,
  error_message: errorMessage
})

/** A skipped result: the provider does not handle this indicator type. */
export const skipped = (reason: string): ProviderResult => ({
  status: "skipped",
  success: false,
  extracted: null,
  enriched_at: null,
  cache_hit: false,
  verdict: "Pending",
  matched_rule: null,
  error_message: reason
})
