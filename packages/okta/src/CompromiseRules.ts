/**
 * The compromise rule pack: malice rules over `extracted.recent_activity` (see {@link RecentActivity}) that turn an
 * account's recent System Log activity into a verdict. The file is `packages/okta/src/rules/compromise.json` (shipped
 * in the package), in the Calseta form of the malice rules (first match wins):
 *
 * | Verdict | When |
 * | --- | --- |
 * | Malicious | Okta ThreatInsight detected a threat (`threats_detected >= 1`) |
 * | Malicious | the user reported suspicious activity (`suspicious_activity_reported >= 1`) |
 * | Malicious | MFA fatigue that worked: `mfa_push_denied >= 3`, a successful sign-in, and a new geo-location, new device or impossible travel |
 * | Suspicious | MFA fatigue: `mfa_push_denied >= 3` |
 * | Suspicious | impossible travel, or Okta's `Velocity` behaviour |
 * | Suspicious | a potentially stolen session (`session_roaming >= 1`) |
 * | Suspicious | a new MFA factor activated after a factor reset |
 * | Suspicious | a password or MFA reset by Okta support |
 * | Suspicious | an admin role granted to the account in the window |
 * | Suspicious | brute force: `sign_ins.failure >= 10` or `sign_ins.failure_peak_hour >= 8` |
 * | Suspicious | a sign-in Okta rated high risk |
 * | Suspicious | a sign-in through an anonymizing proxy, VPN or Tor |
 * | Benign | the window was read completely and none of the above happened |
 * | Pending | otherwise: activity off, unreadable (no `okta.logs.read`) or incomplete |
 *
 * @since 0.1.0
 */
import * as MaliceRules from "@enrich/core/MaliceRules"
import type * as Effect from "effect/Effect"
import ruleFile from "./rules/compromise.json" with { type: "json" }

/** The pack's name, as `--pack compromise` would spell it. */
export const name = "compromise"

/** The pack as it is written in `packages/okta/src/rules/compromise.json` (print it, or save it to edit). */
export const json: unknown = ruleFile

/** The pack's JSON text, formatted (what `enrich rules --pack compromise` would print). */
export const text = (): string => JSON.stringify(ruleFile, null, 2)

/**
 * The pack, decoded and validated. Decoding is deferred to first use (no work at import time); a problem in the
 * bundled file is a bug, which the pack's tests catch, so it throws {@link MaliceRules.MaliceRulesError}.
 */
export const ruleSet = (): MaliceRules.RuleSet => {
  cached ??= MaliceRules.decodeSync(ruleFile, { source: "@enrich/okta/rules/compromise.json" })
  return cached
}

let cached: MaliceRules.RuleSet | undefined

/** The pack, decoded as an Effect (fails with {@link MaliceRules.MaliceRulesError}, which the tests rule out). */
export const decode = (): Effect.Effect<MaliceRules.RuleSet, MaliceRules.MaliceRulesError> =>
  MaliceRules.decode(ruleFile, { source: "@enrich/okta/rules/compromise.json" })
