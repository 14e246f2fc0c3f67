/**
 * The enrichment of one indicator across every provider:
 * `{ indicator: { type, value }, verdict, enrichment: { [provider]: ProviderResult }, error? }`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as ProviderResult from "./ProviderResult.js"
import * as Verdict from "./Verdict.js"

/**
 * One indicator's enrichment. `verdict` is the worst of the providers' verdicts. `error` is present only when the
 * input itself was invalid (every provider then has a `failed` result carrying the same message); `indicator.type`
 * is a plain string so that such a record can echo an unknown type.
 */
export const EnrichmentResult = Schema.Struct({
  indicator: Schema.Struct({
    type: Schema.String,
    value: Schema.String
  }),
  verdict: Verdict.Verdict,
  enrichment: Schema.Record({ key: Schema.String, value: ProviderResult.ProviderResult }),
  error: Schema.optional(Schema.String)
})

/** One indicator's enrichment. */
export interface EnrichmentResult extends Schema.Schema.Type<typeof EnrichmentResult> {}

/** Returns true when every provider that handles the indicator answered (skipped providers do not count). */
export const isComplete = (result: EnrichmentResult): boolean =>
  result.error === undefined && Object.values(result.enrichment).every((r) => r.status !== "failed")
