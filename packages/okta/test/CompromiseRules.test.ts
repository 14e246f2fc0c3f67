/**
 * The compromise rule pack: it loads with the malice-rules decoder, and each rule fires on the activity it names and
 * not on activity just short of it (evaluated against `recent_activity` built by `summarize` from events).
 */
import { describe, expect, it } from "@effect/vitest"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Provider from "@enrich/core/Provider"
import { Duration, Effect } from "effect"
import * as CompromiseRules from "../src/CompromiseRules.js"
import * as OktaLogEvent from "../src/OktaLogEvent.js"
import * as RecentActivity from "../src/RecentActivity.js"

const userId = "00uVICTIM0000000000"
const now = new Date("2025-01-15T12:00:00.000Z")
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString()

const chicago = {
  ipAddress: "198.51.100.1",
  geographicalContext: { city: "Chicago", country: "United States", geolocation: { lat: 41.88, lon: -87.63 } }
}
const bucharest = {
  ipAddress: "203.0.113.6",
  geographicalContext: { city: "Bucharest", country: "Romania", geolocation: { lat: 44.43, lon: 26.1 } }
}

let counter = 0
const ev = (eventType: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  counter++
  return {
    uuid: `u${counter}`,
    published: minutesAgo(60),
    eventType,
    actor: { id: userId, type: "User" },
    outcome: { result: "SUCCESS" },
    target: [],
    transaction: { id: `t${counter}` },
    ...extra
  }
}
const signIn = (at: number, client: unknown, extra: Record<string, unknown> = {}) =>
  ev("user.session.start", { published: minutesAgo(at), client, ...extra })
const repeat = (n: number, make: () => Record<string, unknown>) => Array.from({ length: n }, make)
const aboutUser = { target: [{ id: userId, type: "User" }] }

const activity = (events: ReadonlyArray<unknown>, complete = true) =>
  RecentActivity.summarize(OktaLogEvent.decodeEvents(events).events, {
    userId,
    window: Duration.days(7),
    now,
    complete
  })

const evaluate = (recentActivity: unknown) =>
  MaliceRules.evaluate(
    CompromiseRules.ruleSet(),
    new Provider.Found({ extracted: { found: true, recent_activity: recentActivity }, raw: null }),
    now.getTime()
  )

const ruleIndex = (name: string): number => {
  const index = CompromiseRules.ruleSet().rules.findIndex((rule) => rule.name?.startsWith(name))
  if (index < 0) throw new Error(`no rule named ${name}`)
  return index
}

interface Case {
  readonly rule: string
  readonly verdict: string
  readonly fires: ReadonlyArray<unknown>
  readonly doesNotFire: ReadonlyArray<unknown>
}

const cases: ReadonlyArray<Case> = [
  {
    rule: "ThreatInsight",
    verdict: "Malicious",
    fires: [ev("security.threat.detected", { outcome: { result: "DENY" } })],
    doesNotFire: [signIn(60, chicago, { debugContext: { debugData: { threatSuspected: "false" } } })]
  },
  {
    rule: "The user reported suspicious activity",
    verdict: "Malicious",
    fires: [ev("user.account.report_suspicious_activity_by_enduser", aboutUser)],
    doesNotFire: [
      ev("user.account.report_suspicious_activity_by_enduser", { target: [{ id: "00uOTHER", type: "User" }] })
    ]
  },
  {
    rule: "MFA fatigue: 3 or more push denials, then a sign-in from a new place",
    verdict: "Malicious",
    fires: [
      ...repeat(3, () => ev("user.mfa.okta_verify.deny_push", { outcome: { result: "FAILURE" } })),
      signIn(30, bucharest, { debugContext: { debugData: { behaviors: "{New Geo-Location=POSITIVE}" } } })
    ],
    doesNotFire: [
      ...repeat(3, () => ev("user.mfa.okta_verify.deny_push", { outcome: { result: "FAILURE" } })),
      signIn(30, chicago, { debugContext: { debugData: { behaviors: "{New Geo-Location=NEGATIVE}" } } })
    ]
  },
  {
    rule: "MFA fatigue: 3 or more Okta Verify pushes denied",
    verdict: "Suspicious",
    fires: repeat(3, () => ev("user.mfa.okta_verify.deny_push", { outcome: { result: "FAILURE" } })),
    doesNotFire: repeat(2, () => ev("user.mfa.okta_verify.deny_push", { outcome: { result: "FAILURE" } }))
  },
  {
    rule: "Impossible travel",
    verdict: "Suspicious",
    fires: [signIn(120, chicago), signIn(60, bucharest)],
    doesNotFire: [signIn(24 * 60, chicago), signIn(60, bucharest)]
  },
  {
    rule: "Impossible travel",
    verdict: "Suspicious",
    fires: [signIn(60, chicago, { debugContext: { debugData: { behaviors: "{Velocity=POSITIVE}" } } })],
    doesNotFire: [signIn(60, chicago, { debugContext: { debugData: { behaviors: "{Velocity=NEGATIVE}" } } })]
  },
  {
    rule: "Potentially stolen session",
    verdict: "Suspicious",
    fires: [ev("security.session.detect_client_roaming", { authenticationContext: { externalSessionId: "s1" } })],
    doesNotFire: [
      signIn(60, chicago, { authenticationContext: { externalSessionId: "s1" } }),
      ev("user.authentication.sso", { client: chicago, authenticationContext: { externalSessionId: "s1" } })
    ]
  },
  {
    rule: "A new MFA factor was activated after a factor reset",
    verdict: "Suspicious",
    fires: [
      ev("user.mfa.factor.reset_all", { ...aboutUser, published: minutesAgo(120) }),
      ev("user.mfa.factor.activate", { ...aboutUser, published: minutesAgo(60) })
    ],
    doesNotFire: [
      ev("user.mfa.factor.activate", { ...aboutUser, published: minutesAgo(120) }),
      ev("user.mfa.factor.reset_all", { ...aboutUser, published: minutesAgo(60) })
    ]
  },
  {
    rule: "Okta support reset",
    verdict: "Suspicious",
    fires: [ev("user.account.reset_password", { ...aboutUser, actor: { id: "x", alternateId: "system@okta.com" } })],
    doesNotFire: [
      ev("user.account.reset_password", { ...aboutUser, actor: { id: "x", alternateId: "alice@example.com" } })
    ]
  },
  {
    rule: "An admin role was granted",
    verdict: "Suspicious",
    fires: [ev("user.account.privilege.grant", { ...aboutUser, actor: { id: "00uADMIN" } })],
    doesNotFire: [ev("user.account.privilege.revoke", { ...aboutUser, actor: { id: "00uADMIN" } })]
  },
  {
    rule: "Brute force",
    verdict: "Suspicious",
    fires: Array.from({ length: 10 }, (_, i) => signIn(6000 - i * 300, chicago, { outcome: { result: "FAILURE" } })),
    doesNotFire: Array.from(
      { length: 9 },
      (_, i) => signIn(6000 - i * 300, chicago, { outcome: { result: "FAILURE" } })
    )
  },
  {
    rule: "Brute force",
    verdict: "Suspicious",
    fires: Array.from({ length: 8 }, (_, i) => signIn(100 - i, chicago, { outcome: { result: "FAILURE" } })),
    doesNotFire: Array.from({ length: 7 }, (_, i) => signIn(100 - i, chicago, { outcome: { result: "FAILURE" } }))
  },
  {
    rule: "Okta rated a sign-in high risk",
    verdict: "Suspicious",
    fires: [signIn(60, chicago, { debugContext: { debugData: { risk: "{level=HIGH}" } } })],
    doesNotFire: [signIn(60, chicago, { debugContext: { debugData: { risk: "{level=MEDIUM}" } } })]
  },
  {
    rule: "Sign-in through an anonymizing proxy",
    verdict: "Suspicious",
    fires: [signIn(60, chicago, { securityContext: { isProxy: true } })],
    doesNotFire: [signIn(60, chicago, { securityContext: { isProxy: false } })]
  }
]

describe("CompromiseRules", () => {
  it("decodes with the malice-rules decoder; every rule has a name", () => {
    const ruleSet = CompromiseRules.ruleSet()
    expect(ruleSet.rules.length).toBe(13)
    expect(ruleSet.rules.every((rule) => typeof rule.name === "string" && rule.name.length > 0)).toBe(true)
    expect(ruleSet.defaultVerdict).toBe("Pending")
    expect(ruleSet.notFoundVerdict).toBe("Pending")
  })

  it.effect("its printed text is a rules file the CLI can load back to the same rules", () =>
    Effect.gen(function*() {
      const parsed = yield* MaliceRules.parse(CompromiseRules.text(), { source: "compromise.json" })
      expect(MaliceRules.encode(parsed)).toEqual(MaliceRules.encode(CompromiseRules.ruleSet()))
    }))

  for (const c of cases) {
    it(`"${c.rule}" fires (${c.verdict}) and does not fire just short of it`, () => {
      const index = ruleIndex(c.rule)
      const fired = evaluate(activity(c.fires))
      expect(fired.matchedRule?.index).toBe(index)
      expect(fired.verdict).toBe(c.verdict)
      const notFired = evaluate(activity(c.doesNotFire))
      expect(notFired.matchedRule?.index).not.toBe(index)
    })
  }

  it("a complete window with no signs of compromise is Benign", () => {
    const result = evaluate(activity([signIn(60, chicago), signIn(30, chicago)]))
    expect(result.verdict).toBe("Benign")
    expect(result.matchedRule?.index).toBe(ruleIndex("No sign of compromise"))
  })

  it("an incomplete window with no signs is Pending, never Benign", () => {
    expect(evaluate(activity([signIn(60, chicago)], false))).toEqual({ verdict: "Pending", matchedRule: null })
  })

  it("an account without recent_activity (activity off, or no okta.logs.read) is Pending", () => {
    expect(evaluate(null)).toEqual({ verdict: "Pending", matchedRule: null })
    expect(evaluate(undefined)).toEqual({ verdict: "Pending", matchedRule: null })
  })

  it("a not-found account is Pending", () => {
    expect(MaliceRules.evaluate(CompromiseRules.ruleSet(), new Provider.NotFound(), now.getTime()).verdict).toBe(
      "Pending"
    )
  })

  it("the worst signal wins: a reported account with push fatigue is Malicious", () => {
    const result = evaluate(activity([
      ...repeat(5, () => ev("user.mfa.okta_verify.deny_push", { outcome: { result: "FAILURE" } })),
      ev("user.account.report_suspicious_activity_by_enduser", aboutUser)
    ]))
    expect(result.verdict).toBe("Malicious")
  })
})
