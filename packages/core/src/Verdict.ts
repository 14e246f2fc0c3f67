/**
 * The malice verdict of an enrichment, ordered from "nothing known yet" to "malicious".
 *
 * @since 0.1.0
 */
import * as Order from "effect/Order"
import * as Schema from "effect/Schema"

/** The verdict names, in increasing order of severity. */
export const values = ["Pending", "Benign", "Suspicious", "Malicious"] as const

/** A verdict: `Pending < Benign < Suspicious < Malicious`. */
export type Verdict = typeof values[number]

/** Schema of a verdict (one of {@link values}). */
export const Verdict: Schema.Schema<Verdict> = Schema.Literal(...values)

/** The rank of a verdict: 0 for Pending up to 3 for Malicious. */
export const rank = (verdict: Verdict): number => values.indexOf(verdict)

/** Orders verdicts by severity. */
export const order: Order.Order<Verdict> = Order.mapInput(Order.number, rank)

/** Returns true when `u` is a verdict name. */
export const is = (u: unknown): u is Verdict => typeof u === "string" && (values as ReadonlyArray<string>).includes(u)

/** The most severe of the given verdicts; `Pending` for none. */
export const worst = (verdicts: Iterable<Verdict>): Verdict => {
  let result: Verdict = "Pending"
  for (const verdict of verdicts) {
    if (rank(verdict) > rank(result)) result = verdict
  }
  return result
}
