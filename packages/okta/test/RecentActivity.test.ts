/**
 * The recent-activity summary counts what the System Log events say, about the right account, in the window; it
 * finds impossible travel without guessing; and no input, however malformed, makes it fail.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Schema } from "effect"
import * as OktaLogEvent from "../src/OktaLogEvent.js"
import * as RecentActivity from "../src/RecentActivity.js"

const userId = "00uVICTIM0000000000"
const adminId = "00uADMIN00000000000"
const now = new Date("2025-01-15T12:00:00.000Z")
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString()

interface At {
  readonly ip?: string
  readonly city?: string
  readonly country?: string
  readonly lat?: number
  readonly lon?: number
  readonly ua?: string
}

const sf: At = { ip: "198.51.100.1", city: "San Francisco", country: "United States", lat: 37.7749, lon: -122.4194 }
const oakland: At = { ip: "198.51.100.2", city: "Oakland", country: "United States", lat: 37.8044, lon: -122.2712 }
const ny: At = { ip: "198.51.100.3", city: "New York", country: "United States", lat: 40.7128, lon: -74.006 }
const london: At = { ip: "203.0.113.4", city: "London", country: "United Kingdom", lat: 51.5072, lon: -0.1276 }

let counter = 0

/** A raw System Log event: Okta's shape, only what a test needs. */
const raw = (eventType: string, options: {
  readonly at?: number
  readonly actor?: string
  readonly actorLogin?: string
  readonly result?: string
  readonly reason?: string
  readonly from?: At
  readonly targets?: ReadonlyArray<Record<string, unknown>>
  readonly debugData?: Record<string, unknown>
  readonly securityContext?: Record<string, unknown>
  readonly transaction?: string
  readonly session?: string
} = {}): Record<string, unknown> => {
  const from = options.from
  counter++
  return {
    uuid: `uuid-${counter}`,
    published: minutesAgo(options.at ?? 60),
    eventType,
    actor: { id: options.actor ?? userId, type: "User", alternateId: options.actorLogin ?? "victim@example.com" },
    outcome: {
      result: options.result ?? "SUCCESS",
      ...(options.reason === undefined ? {} : { reason: options.reason })
    },
    target: options.targets ?? [],
    client: from === undefined ? {} : {
      ipAddress: from.ip,
      ...(from.ua === undefined ? {} : { userAgent: { rawUserAgent: from.ua } }),
      geographicalContext: {
        city: from.city,
        country: from.country,
        ...(from.lat === undefined ? {} : { geolocation: { lat: from.lat, lon: from.lon } })
      }
    },
    securityContext: options.securityContext ?? {},
    debugContext: { debugData: options.debugData ?? {} },
    transaction: { type: "WEB", id: options.transaction ?? `tx-${counter}` },
    authenticationContext: options.session === undefined ? {} : { externalSessionId: options.session }
  }
}

const user = (id = userId) => ({ id, type: "User", alternateId: `${id}@example.com` })
const signIn = (at: number, from: At, extra: Parameters<typeof raw>[1] = {}) =>
  raw("user.session.start", { at, from, ...extra })

const summarize = (events: ReadonlyArray<unknown>, options: Partial<RecentActivity.SummarizeOptions> = {}) => {
  const decoded = OktaLogEvent.decodeEvents(events)
  return RecentActivity.summarize(decoded.events, {
    userId,
    window: Duration.days(7),
    now,
    unreadable: decoded.unreadable,
    ...options
  })
}

const encode = Schema.encodeSync(RecentActivity.RecentActivity)

describe("RecentActivity.summarize: the window", () => {
  it("names the window as an ISO 8601 duration and its start", () => {
    expect(summarize([]).window).toEqual({ duration: "P7D", since: "2025-01-08T12:00:00.000Z" })
    expect(summarize([], { window: Duration.hours(12) }).window.duration).toBe("PT12H")
    expect(summarize([], { window: Duration.minutes(90) }).window.duration).toBe("PT1H30M")
    expect(summarize([], { window: "36 hours" }).window.duration).toBe("P1DT12H")
    expect(summarize([], { window: Duration.days(400) }).window.duration).toBe("P90D")
  })

  it("uses the since it is given when the query used another", () => {
    const since = new Date("2025-01-10T00:00:00.000Z")
    expect(summarize([], { since }).window.since).toBe("2025-01-10T00:00:00.000Z")
  })

  it("ignores events published before the window's start", () => {
    const summary = summarize([signIn(8 * 24 * 60, sf), signIn(60, sf)])
    expect(summary.sign_ins.success).toBe(1)
    expect(summary.events_examined).toBe(2)
  })

  it("gives a quiet account zeros, complete, and a valid encoded summary", () => {
    const summary = summarize([])
    expect(summary).toMatchObject({
      events_examined: 0,
      complete: true,
      warnings: [],
      sign_ins: { success: 0, failure: 0, failure_reasons: {}, failure_peak_hour: 0 },
      last_sign_in: null,
      distinct_ips: 0,
      countries: [],
      mfa_push_denied: 0,
      mfa_factor_changes: { activated: 0, deactivated: 0, reset: 0, suspended: 0, new_factor_after_reset: false },
      admin_grants: 0,
      impossible_travel: []
    })
    expect(encode(summary)).toEqual(summary)
  })

  it("is incomplete with the reader's reason when the read stopped early", () => {
    const summary = summarize([signIn(60, sf)], { complete: false, incompleteReason: "stopped at 1,000 events" })
    expect(summary.complete).toBe(false)
    expect(summary.warnings).toEqual(["stopped at 1,000 events"])
    expect(summarize([], { complete: false }).warnings[0]).toMatch(/stopped before the start of the window/)
  })

  it("is incomplete when some entries were not events, and says how many", () => {
    const summary = summarize([null, 3, signIn(60, sf)])
    expect(summary.complete).toBe(false)
    expect(summary.events_examined).toBe(3)
    expect(summary.warnings).toEqual(["2 System Log entries were not events and were skipped"])
  })
})

describe("RecentActivity.summarize: sign-ins", () => {
  it("counts successes and failures of the account's user.session.start, failures by reason", () => {
    const summary = summarize([
      signIn(300, sf),
      signIn(200, sf, { result: "FAILURE", reason: "INVALID_CREDENTIALS" }),
      signIn(190, sf, { result: "FAILURE", reason: "INVALID_CREDENTIALS" }),
      signIn(180, sf, { result: "FAILURE", reason: "VERIFICATION_ERROR" }),
      signIn(170, sf, { result: "DENY" }),
      signIn(160, sf, { result: "CHALLENGE" }),
      raw("user.authentication.sso", { at: 150, from: sf }),
      signIn(140, sf, { actor: adminId })
    ])
    expect(summary.sign_ins).toEqual({
      success: 1,
      failure: 4,
      failure_reasons: { INVALID_CREDENTIALS: 2, VERIFICATION_ERROR: 1, "(none)": 1 },
      failure_peak_hour: 4
    })
  })

  it("finds the burst: the most failures within any 60 minutes", () => {
    const failures = [600, 500, 100, 90, 80, 41].map((at) => signIn(at, sf, { result: "FAILURE" }))
    expect(summarize(failures).sign_ins.failure_peak_hour).toBe(4)
    const spread = [600, 540, 480].map((at) => signIn(at, sf, { result: "FAILURE" }))
    expect(summarize(spread).sign_ins.failure_peak_hour).toBe(1)
  })

  it("counts at most 20 failure reasons by name, the rest under (other)", () => {
    const failures = Array.from({ length: 25 }, (_, i) => signIn(60, sf, { result: "FAILURE", reason: `R${i}` }))
    const reasons = summarize(failures).sign_ins.failure_reasons
    expect(Object.keys(reasons)).toHaveLength(21)
    expect(reasons["(other)"]).toBe(5)
  })

  it("keeps a reason named __proto__ as a plain count", () => {
    const reasons = summarize([signIn(60, sf, { result: "FAILURE", reason: "__proto__" })]).sign_ins.failure_reasons
    expect(Object.entries(reasons)).toEqual([["__proto__", 1]])
  })

  it("last_sign_in is the newest successful sign-in, whatever the input order", () => {
    const summary = summarize([signIn(600, ny), signIn(30, { ...sf, ua: "Chrome" }), signIn(300, london)])
    expect(summary.last_sign_in).toEqual({
      at: minutesAgo(30),
      ip: "198.51.100.1",
      city: "San Francisco",
      country: "United States",
      user_agent: "Chrome"
    })
  })

  it("lists IPs and countries of the account's own events, most recent first, not an admin's", () => {
    const summary = summarize([
      signIn(600, london),
      signIn(300, ny),
      signIn(30, sf),
      raw("user.account.reset_password", { at: 20, actor: adminId, from: oakland, targets: [user()] })
    ])
    expect(summary.ips).toEqual(["198.51.100.1", "198.51.100.3", "203.0.113.4"])
    expect(summary.distinct_ips).toBe(3)
    expect(summary.countries).toEqual(["United States", "United Kingdom"])
  })

  it("lists at most 20 IPs but counts them all", () => {
    const events = Array.from({ length: 30 }, (_, i) => signIn(100 - i, { ip: `198.51.100.${i}` }))
    const summary = summarize(events)
    expect(summary.distinct_ips).toBe(30)
    expect(summary.ips).toHaveLength(20)
    expect(summary.ips[0]).toBe("198.51.100.29")
  })
})

describe("RecentActivity.summarize: whose event it is", () => {
  it("does not count an admin's actions on other users for the admin", () => {
    const other = "00uOTHER00000000000"
    const summary = summarize([
      raw("user.account.privilege.grant", {
        targets: [user(other)],
        debugData: { privilegeGranted: "Super administrator" }
      }),
      raw("user.account.reset_password", { targets: [user(other)] }),
      raw("user.mfa.factor.reset_all", { targets: [user(other)] }),
      raw("user.account.lock", { targets: [user(other)] })
    ])
    expect(summary.admin_grants).toBe(0)
    expect(summary.password_resets).toBe(0)
    expect(summary.mfa_factor_changes.reset).toBe(0)
    expect(summary.lockouts).toBe(0)
  })

  it("counts an admin's action on the account for the account", () => {
    const summary = summarize([
      raw("user.account.privilege.grant", {
        actor: adminId,
        targets: [user()],
        debugData: { privilegeGranted: "Super administrator, Help Desk administrator" }
      }),
      raw("user.account.privilege.grant", { actor: adminId, targets: [user()], result: "FAILURE" }),
      raw("user.account.reset_password", { actor: adminId, targets: [user()] })
    ])
    expect(summary.admin_grants).toBe(1)
    expect(summary.admin_privileges).toEqual(["Super administrator", "Help Desk administrator"])
    expect(summary.password_resets).toBe(1)
  })

  it("a privilege grant without a User target is not a grant to the account", () => {
    expect(summarize([raw("user.account.privilege.grant", {})]).admin_grants).toBe(0)
  })
})

describe("RecentActivity.summarize: MFA, passwords, lockouts, reports, threats", () => {
  it("counts push denials once per transaction, from either event Okta writes", () => {
    const summary = summarize([
      raw("user.mfa.okta_verify.deny_push", { result: "FAILURE", transaction: "t1" }),
      raw("user.authentication.auth_via_mfa", {
        result: "FAILURE",
        transaction: "t1",
        debugData: { pushOnlyResponseType: "OV_RESPONSE_DENY" }
      }),
      raw("user.mfa.okta_verify.deny_push", { result: "FAILURE", transaction: "t2" }),
      raw("user.authentication.auth_via_mfa", {
        result: "FAILURE",
        transaction: "t3",
        debugData: { PushOnlyResponseType: "OV_RESPONSE_DENY" }
      }),
      raw("user.authentication.auth_via_mfa", { result: "FAILURE", transaction: "t4", debugData: {} }),
      raw("user.authentication.auth_via_mfa", { result: "SUCCESS", transaction: "t5" })
    ])
    expect(summary.mfa_push_denied).toBe(3)
  })

  it("counts factor lifecycle events, and a new factor after a reset", () => {
    const summary = summarize([
      raw("user.mfa.factor.reset_all", { at: 100, actor: adminId, targets: [user()] }),
      raw("user.mfa.factor.activate", { at: 90, targets: [user()] }),
      raw("user.mfa.factor.deactivate", { at: 80, targets: [user()] }),
      raw("user.mfa.factor.suspend", { at: 70, targets: [user()] }),
      raw("user.mfa.factor.activate", { at: 60, targets: [user()], result: "FAILURE" })
    ])
    expect(summary.mfa_factor_changes).toEqual({
      activated: 1,
      deactivated: 1,
      reset: 1,
      suspended: 1,
      new_factor_after_reset: true
    })
  })

  it("an activation before the reset is not a new factor after a reset", () => {
    const summary = summarize([
      raw("user.mfa.factor.activate", { at: 100, targets: [user()] }),
      raw("user.mfa.factor.reset_all", { at: 90, actor: adminId, targets: [user()] })
    ])
    expect(summary.mfa_factor_changes.new_factor_after_reset).toBe(false)
  })

  it("counts successful password changes and resets, lockouts and user reports", () => {
    const summary = summarize([
      raw("user.account.update_password"),
      raw("user.account.update_password", { result: "FAILURE" }),
      raw("user.account.reset_password", { actor: adminId, targets: [user()] }),
      raw("user.account.lock"),
      raw("user.account.lock.limit"),
      raw("user.account.report_suspicious_activity_by_enduser", { targets: [user()] })
    ])
    expect(summary.password_changes).toBe(1)
    expect(summary.password_resets).toBe(1)
    expect(summary.lockouts).toBe(2)
    expect(summary.suspicious_activity_reported).toBe(1)
  })

  it("counts ThreatInsight detections and events Okta marked threatSuspected", () => {
    const summary = summarize([
      raw("security.threat.detected", { result: "DENY" }),
      signIn(60, sf, { debugData: { threatSuspected: "true" } }),
      signIn(50, sf, { debugData: { threatSuspected: true } }),
      signIn(40, sf, { debugData: { threatSuspected: "false" } })
    ])
    expect(summary.threats_detected).toBe(3)
  })

  it("counts Okta support's resets: actor system@okta.com without a user agent or a country", () => {
    const support = { actor: "00uSYSTEM", actorLogin: "system@okta.com", targets: [user()] }
    const summary = summarize([
      raw("user.account.reset_password", support),
      raw("user.mfa.factor.update", support),
      raw("user.account.reset_password", { ...support, from: { ...sf, ua: "Chrome" } }),
      raw("user.account.reset_password", { ...support, actorLogin: "alice@example.com" })
    ])
    expect(summary.support_resets).toBe(2)
  })
})

describe("RecentActivity.summarize: Okta's risk and behaviour verdicts", () => {
  it("reads behaviours from text, from logOnlySecurityData and from securityContext.userBehaviors", () => {
    const summary = summarize([
      signIn(60, sf, { debugData: { behaviors: "{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=NEGATIVE}" } }),
      signIn(50, sf, {
        debugData: { logOnlySecurityData: "{\"behaviors\":{\"New IP\":\"POSITIVE\",\"Velocity\":\"POSITIVE\"}}" }
      }),
      signIn(40, sf, {
        securityContext: { userBehaviors: [{ name: "New Device", result: "POSITIVE" }, { name: "New IP" }, 5] }
      }),
      signIn(30, sf, { debugData: { behaviors: "{New Device=NEGATIVE, New Geo-Location=NEGATIVE}" } })
    ])
    expect(summary.new_devices).toBe(2)
    expect(summary.new_ips).toBe(1)
    expect(summary.new_geo_locations).toBe(1)
    expect(summary.velocity_flags).toBe(1)
  })

  it("counts a sign-in flow once, though several of its events carry the same verdict", () => {
    const behaviors = "{New Device=POSITIVE}"
    const summary = summarize([
      raw("policy.evaluate_sign_on", { transaction: "flow", debugData: { behaviors, risk: "{level=HIGH}" } }),
      signIn(60, sf, { transaction: "flow", debugData: { behaviors, risk: "{level=HIGH}" } })
    ])
    expect(summary.new_devices).toBe(1)
    expect(summary.high_risk_sign_ins).toBe(1)
  })

  it("reads the risk level from securityContext.risk, debug text, or logOnlySecurityData; only HIGH counts", () => {
    const summary = summarize([
      signIn(60, sf, { securityContext: { risk: { level: "HIGH", reasons: ["Anomalous Device"] } } }),
      signIn(50, sf, { debugData: { risk: "{reasons=Anomalous Location, level=HIGH}" } }),
      signIn(40, sf, { debugData: { logOnlySecurityData: { risk: { level: "high" } } } }),
      signIn(30, sf, { debugData: { risk: "{level=MEDIUM}" } }),
      raw("user.account.update_password", { debugData: { risk: "{level=HIGH}" } })
    ])
    expect(summary.high_risk_sign_ins).toBe(3)
  })

  it("first_seen_countries are the countries of events Okta flagged New Country", () => {
    const summary = summarize([
      signIn(60, london, { debugData: { behaviors: "{New Country=POSITIVE, New Geo-Location=POSITIVE}" } }),
      signIn(50, ny, { debugData: { behaviors: "{New Country=NEGATIVE, New Geo-Location=POSITIVE}" } })
    ])
    expect(summary.first_seen_countries).toEqual(["United Kingdom"])
    expect(summary.new_geo_locations).toBe(2)
  })

  it("counts sign-ins through an anonymizing proxy (isProxy or an anonymous IP service)", () => {
    const summary = summarize([
      signIn(60, sf, { securityContext: { isProxy: true } }),
      signIn(50, sf, {
        result: "FAILURE",
        securityContext: { ipDetails: { ipServiceCategories: [{ type: "Tor", isAnonymous: true }] } }
      }),
      signIn(40, sf, { securityContext: { isProxy: false, ipDetails: { ipServiceCategories: [{ type: "VPN" }] } } }),
      raw("user.authentication.sso", { securityContext: { isProxy: true } })
    ])
    expect(summary.anonymizing_proxy_sign_ins).toBe(2)
  })

  it("finds roaming sessions: Okta's detection, or one session from two IPs with two browsers", () => {
    const summary = summarize([
      signIn(60, { ...sf, ua: "Chrome" }, { session: "s1" }),
      raw("user.authentication.sso", { at: 50, from: { ...london, ua: "Firefox" }, session: "s1" }),
      signIn(40, { ...sf, ua: "Chrome" }, { session: "s2" }),
      raw("user.authentication.sso", { at: 30, from: { ...oakland, ua: "Chrome" }, session: "s2" }),
      raw("security.session.detect_client_roaming", { session: "s3" }),
      raw("security.session.detect_client_roaming", { session: "s1" })
    ])
    expect(summary.session_roaming).toBe(2)
  })
})

describe("RecentActivity.summarize: impossible travel", () => {
  const speed = RecentActivity.impossibleTravelSpeedKmh
  const sfToNy = RecentActivity.distanceKm({ lat: sf.lat!, lon: sf.lon! }, { lat: ny.lat!, lon: ny.lon! })

  it("measures great-circle distances (San Francisco to New York is about 4,130 km)", () => {
    expect(Math.round(sfToNy / 10) * 10).toBe(4130)
    expect(RecentActivity.distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 0 })).toBe(0)
  })

  it("reports two successful sign-ins too far apart for the time between them", () => {
    const summary = summarize([signIn(120, sf), signIn(60, ny)])
    expect(summary.impossible_travel).toEqual([{
      from: { at: minutesAgo(120), ip: sf.ip, city: sf.city, country: sf.country, user_agent: null },
      to: { at: minutesAgo(60), ip: ny.ip, city: ny.city, country: ny.country, user_agent: null },
      distance_km: Math.round(sfToNy),
      elapsed_seconds: 3600,
      speed_kmh: Math.round(sfToNy)
    }])
  })

  it("does not report a journey just under the speed, and reports one just over it", () => {
    const hoursAtSpeed = sfToNy / speed
    const under = summarize([signIn(hoursAtSpeed * 60 + 1, sf), signIn(0, ny)])
    expect(under.impossible_travel).toEqual([])
    const over = summarize([signIn(hoursAtSpeed * 60 - 1, sf), signIn(0, ny)])
    expect(over.impossible_travel).toHaveLength(1)
    expect(over.impossible_travel[0].speed_kmh).toBeGreaterThan(speed)
  })

  it("never reports the same city, or a nearby one, however close in time", () => {
    expect(summarize([signIn(61, sf), signIn(60, sf)]).impossible_travel).toEqual([])
    expect(summarize([signIn(61, sf), signIn(60, oakland)]).impossible_travel).toEqual([])
    expect(summarize([signIn(60, sf), signIn(60, oakland)]).impossible_travel).toEqual([])
  })

  it("reports sign-ins far apart at the same instant, with no speed", () => {
    const summary = summarize([signIn(60, sf), signIn(60, london)])
    expect(summary.impossible_travel).toHaveLength(1)
    expect(summary.impossible_travel[0]).toMatchObject({ elapsed_seconds: 0, speed_kmh: null })
  })

  it("skips sign-ins without a geolocation instead of guessing, comparing the ones around them", () => {
    const noGeo: At = { ip: "192.0.2.9", city: "Somewhere", country: "United Kingdom" }
    expect(summarize([signIn(120, sf), signIn(61, noGeo), signIn(60, sf)]).impossible_travel).toEqual([])
    const summary = summarize([signIn(180, sf), signIn(121, noGeo), signIn(120, london)])
    expect(summary.impossible_travel).toHaveLength(1)
    expect(summary.impossible_travel[0].from.city).toBe("San Francisco")
    expect(summary.impossible_travel[0].to.city).toBe("London")
    const outOfRange = { ...london, lat: 91 }
    expect(summarize([signIn(120, sf), signIn(60, outOfRange)]).impossible_travel).toEqual([])
  })

  it("only looks at successful sign-ins", () => {
    expect(summarize([signIn(120, sf), signIn(60, london, { result: "FAILURE" })]).impossible_travel).toEqual([])
  })

  it("lists the newest 10 pairs, newest first", () => {
    const events = Array.from({ length: 15 }, (_, i) => signIn(1000 - i * 10, i % 2 === 0 ? sf : london))
    const pairs = summarize(events).impossible_travel
    expect(pairs).toHaveLength(RecentActivity.maxImpossibleTravel)
    expect(pairs[0].to.at).toBe(minutesAgo(1000 - 14 * 10))
  })
})

describe("RecentActivity.summarize: hostile input", () => {
  it("survives events with missing fields and wrong types", () => {
    const summary = summarize([
      {},
      { eventType: "user.session.start" },
      {
        eventType: "user.session.start",
        actor: { id: userId },
        published: "not a date",
        outcome: { result: "SUCCESS" }
      },
      { eventType: 7, actor: { id: userId }, published: 12, outcome: "SUCCESS", target: {} },
      {
        eventType: "user.session.start",
        actor: { id: userId },
        published: minutesAgo(5),
        outcome: { result: "FAILURE", reason: 3 },
        client: { geographicalContext: { geolocation: { lat: "x", lon: {} } } },
        debugContext: { debugData: { behaviors: 5, risk: ["HIGH"], logOnlySecurityData: "{not json" } },
        securityContext: { userBehaviors: "New Device=POSITIVE", risk: "HIGH" }
      }
    ])
    expect(summary.events_examined).toBe(5)
    expect(summary.sign_ins).toMatchObject({ success: 1, failure: 1, failure_reasons: { "(none)": 1 } })
    expect(summary.last_sign_in).toBeNull()
    expect(summary.warnings).toEqual([
      "2 events had no readable \"published\" time: counted, but not used for time-based fields"
    ])
  })

  it("keeps huge strings bounded", () => {
    const huge = "A".repeat(5_000_000)
    const summary = summarize([signIn(60, { ip: huge, country: huge }, { result: "FAILURE", reason: huge })])
    expect(summary.ips[0]).toHaveLength(OktaLogEvent.maxStringLength)
    expect(Object.keys(summary.sign_ins.failure_reasons)[0]).toHaveLength(OktaLogEvent.maxStringLength)
  })

  it("summarizes 10,000 events", () => {
    const events = Array.from({ length: 10_000 }, (_, i) =>
      i % 3 === 0
        ? signIn(i / 2, i % 2 === 0 ? sf : london, { session: `s${i % 50}` })
        : raw(i % 3 === 1 ? "user.mfa.okta_verify.deny_push" : "user.mfa.factor.activate", { at: i / 2 }))
    const summary = summarize(events)
    expect(summary.events_examined).toBe(10_000)
    expect(summary.sign_ins.success).toBe(3334)
    expect(summary.mfa_push_denied).toBe(3333)
    expect(summary.impossible_travel).toHaveLength(RecentActivity.maxImpossibleTravel)
  })
})
