// Over 350 lines on purpose: mostly data: the sandbox's System Log stories and the summaries they must give.
/**
 * Recent System Log activity for the sandbox org: events in Okta's real shape (they validate against the spec's
 * `LogEvent` schema) for a handful of seed users, each telling a story that a test, or a person trying
 * `enrich account <login> --sandbox --activity`, can check. Timestamps are relative to `now` (the sandbox's start),
 * all within the last 3 days, so the default 7-day window always shows them.
 *
 * | Login | Story | Verdict (compromise pack) |
 * | --- | --- | --- |
 * | victor.sales | MFA fatigue: 4 denied pushes from Romania, the 5th approved, a sign-in from a new country an hour after one in Chicago (impossible travel) | Malicious |
 * | erin.lee | brute force: 12 failed sign-ins in 17 minutes from one IP, then locked out | Suspicious |
 * | kevin.chan | a failed sign-in from Brazil the user reported as "not me" | Malicious |
 * | mike.jones.admin | granted Organization administrator by alice.admin | Suspicious |
 * | irene.adler | all factors reset by alice.admin, then a new factor activated | Suspicious |
 * | wendy.contractor | a session replayed from an anonymizing VPN in Amsterdam | Suspicious |
 * | jsmith | routine: a sign-in with MFA each morning from San Francisco | Benign |
 * | henry.ford | quiet: no events | Benign |
 *
 * @since 0.1.0
 */
import type { Verdict } from "@enrich/core/Verdict"
import * as DateTime from "effect/DateTime"
import type { RecentActivity } from "../RecentActivity.js"

// -----------------------------------------------------------------------------
// stories
// -----------------------------------------------------------------------------

/** A partial object, at every depth (arrays compared whole). */
export type DeepPartial<A> = A extends ReadonlyArray<unknown> ? A
  : A extends object ? { readonly [K in keyof A]?: DeepPartial<A[K]> }
  : A

/** A seed user's story: what its recent activity shows, and the compromise pack's verdict. */
export interface Story {
  readonly login: string
  readonly userId: string
  readonly summary: string
  /** Fields of `recent_activity` the story guarantees (a 7-day window at `now`). */
  readonly expected: DeepPartial<RecentActivity>
  readonly expectedVerdict: Verdict
}

const ids = {
  victor: "00uAUSKJrg5rvSAQu85T",
  erin: "00ul2F2VG4su5JBW2sMw",
  kevin: "00uLigsQqgIYDosRjVZ6",
  mike: "00utG6PFLdOWE2D25rYB",
  irene: "00us9N8AvgLU6yT0juNH",
  wendy: "00uvHDYetJ0YYw2IApxI",
  jsmith: "00uw5TJvTt4wHVXqCNSq",
  henry: "00u0SpAGd5HF1G4higW9",
  alice: "00u9dTs6hYN2EWJrJtyp"
} as const

const zeros = {
  sign_ins: { success: 0, failure: 0, failure_reasons: {}, failure_peak_hour: 0 },
  last_sign_in: null,
  distinct_ips: 0,
  ips: [],
  countries: [],
  first_seen_countries: [],
  new_devices: 0,
  new_ips: 0,
  new_geo_locations: 0,
  velocity_flags: 0,
  mfa_push_denied: 0,
  mfa_factor_changes: { activated: 0, deactivated: 0, reset: 0, suspended: 0, new_factor_after_reset: false },
  password_changes: 0,
  password_resets: 0,
  support_resets: 0,
  lockouts: 0,
  suspicious_activity_reported: 0,
  threats_detected: 0,
  high_risk_sign_ins: 0,
  anonymizing_proxy_sign_ins: 0,
  admin_grants: 0,
  admin_privileges: [],
  session_roaming: 0,
  impossible_travel: []
} as const

/** The stories, one per seed user with recent activity (and one quiet account). */
export const stories: ReadonlyArray<Story> = [
  {
    login: "victor.sales@example.com",
    userId: ids.victor,
    summary: "MFA fatigue: four denied Okta Verify pushes from Bucharest, the fifth approved; a sign-in from Romania " +
      "an hour after one in Chicago",
    expected: {
      complete: true,
      sign_ins: { success: 3, failure: 0 },
      last_sign_in: { ip: "203.0.113.66", city: "Bucharest", country: "Romania" },
      countries: ["Romania", "United States"],
      first_seen_countries: ["Romania"],
      new_devices: 1,
      new_geo_locations: 1,
      velocity_flags: 1,
      mfa_push_denied: 4,
      high_risk_sign_ins: 1,
      threats_detected: 0,
      suspicious_activity_reported: 0
    },
    expectedVerdict: "Malicious"
  },
  {
    login: "erin.lee@example.com",
    userId: ids.erin,
    summary: "Brute force: twelve failed sign-ins in 17 minutes from one IP in Frankfurt, then the account locked",
    expected: {
      complete: true,
      sign_ins: { success: 0, failure: 12, failure_reasons: { INVALID_CREDENTIALS: 12 }, failure_peak_hour: 12 },
      lockouts: 1,
      distinct_ips: 1,
      ips: ["203.0.113.200"],
      countries: ["Germany"],
      last_sign_in: null,
      mfa_push_denied: 0,
      impossible_travel: []
    },
    expectedVerdict: "Suspicious"
  },
  {
    login: "kevin.chan@example.com",
    userId: ids.kevin,
    summary: "A failed sign-in from São Paulo the user reported as suspicious",
    expected: {
      complete: true,
      sign_ins: { success: 1, failure: 1, failure_reasons: { INVALID_CREDENTIALS: 1 } },
      suspicious_activity_reported: 1,
      countries: ["United States", "Brazil"]
    },
    expectedVerdict: "Malicious"
  },
  {
    login: "mike.jones.admin@example.com",
    userId: ids.mike,
    summary: "Granted the Organization administrator role by alice.admin two days ago",
    expected: {
      complete: true,
      admin_grants: 1,
      admin_privileges: ["Organization administrator"],
      sign_ins: { success: 1, failure: 0 }
    },
    expectedVerdict: "Suspicious"
  },
  {
    login: "irene.adler@example.com",
    userId: ids.irene,
    summary: "All MFA factors reset by alice.admin, then a new Okta Verify enrolled half an hour later",
    expected: {
      complete: true,
      mfa_factor_changes: { activated: 1, deactivated: 0, reset: 1, suspended: 0, new_factor_after_reset: true },
      new_devices: 1
    },
    expectedVerdict: "Suspicious"
  },
  {
    login: "wendy.contractor@contractor.example.org",
    userId: ids.wendy,
    summary: "A session started in Austin replayed from an anonymizing VPN in Amsterdam with another browser",
    expected: {
      complete: true,
      session_roaming: 1,
      anonymizing_proxy_sign_ins: 1,
      sign_ins: { success: 2, failure: 0 },
      countries: ["Netherlands", "United States"]
    },
    expectedVerdict: "Suspicious"
  },
  {
    login: "jsmith@example.com",
    userId: ids.jsmith,
    summary: "Routine: a sign-in with Okta Verify each morning from San Francisco",
    expected: {
      ...zeros,
      complete: true,
      warnings: [],
      sign_ins: { success: 3, failure: 0, failure_reasons: {}, failure_peak_hour: 0 },
      last_sign_in: { ip: "198.51.100.23", city: "San Francisco", country: "United States" },
      distinct_ips: 1,
      ips: ["198.51.100.23"],
      countries: ["United States"]
    },
    expectedVerdict: "Benign"
  },
  {
    login: "henry.ford@example.com",
    userId: ids.henry,
    summary: "Quiet: no events in the window",
    expected: { ...zeros, events_examined: 0, complete: true, warnings: [] },
    expectedVerdict: "Benign"
  }
]

// -----------------------------------------------------------------------------
// building blocks
// -----------------------------------------------------------------------------

interface Place {
  readonly ip: string
  readonly city: string
  readonly state: string
  readonly country: string
  readonly postalCode: string
  readonly lat: number
  readonly lon: number
  readonly asNumber: number
  readonly asOrg: string
  readonly isp: string
  readonly domain: string
}

const place = (
  ip: string,
  city: string,
  state: string,
  country: string,
  postalCode: string,
  lat: number,
  lon: number,
  isp: string,
  asNumber: number
): Place => ({ ip, city, state, country, postalCode, lat, lon, asNumber, asOrg: isp, isp, domain: "example.net" })

const places = {
  sanFrancisco: place(
    "198.51.100.23",
    "San Francisco",
    "California",
    "United States",
    "94107",
    37.7749,
    -122.4194,
    "example isp",
    64496
  ),
  chicago: place(
    "198.51.100.40",
    "Chicago",
    "Illinois",
    "United States",
    "60601",
    41.8781,
    -87.6298,
    "example isp",
    64496
  ),
  chicagoPhone: place(
    "198.51.100.41",
    "Chicago",
    "Illinois",
    "United States",
    "60601",
    41.8781,
    -87.6298,
    "example mobile",
    64497
  ),
  bucharest: place(
    "203.0.113.66",
    "Bucharest",
    "Bucuresti",
    "Romania",
    "010011",
    44.4268,
    26.1025,
    "example hosting",
    64510
  ),
  frankfurt: place(
    "203.0.113.200",
    "Frankfurt am Main",
    "Hesse",
    "Germany",
    "60311",
    50.1109,
    8.6821,
    "example cloud",
    64511
  ),
  seattle: place(
    "198.51.100.77",
    "Seattle",
    "Washington",
    "United States",
    "98101",
    47.6062,
    -122.3321,
    "example isp",
    64496
  ),
  saoPaulo: place(
    "203.0.113.15",
    "Sao Paulo",
    "Sao Paulo",
    "Brazil",
    "01000",
    -23.5505,
    -46.6333,
    "example telecom",
    64512
  ),
  austin: place("198.51.100.90", "Austin", "Texas", "United States", "78701", 30.2672, -97.7431, "example isp", 64496),
  amsterdamVpn: place(
    "192.0.2.44",
    "Amsterdam",
    "North Holland",
    "Netherlands",
    "1012",
    52.3676,
    4.9041,
    "example vpn",
    64513
  ),
  boston: place(
    "198.51.100.12",
    "Boston",
    "Massachusetts",
    "United States",
    "02108",
    42.3601,
    -71.0589,
    "example isp",
    64496
  )
} as const

const agents = {
  chromeMac: {
    rawUserAgent:
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    os: "Mac OS X",
    browser: "CHROME"
  },
  edgeWindows: {
    rawUserAgent:
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    os: "Windows 10",
    browser: "EDGE"
  },
  firefoxLinux: {
    rawUserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    os: "Linux",
    browser: "FIREFOX"
  },
  oktaVerify: {
    rawUserAgent: "OktaVerify/9.27.1 (iPhone; iOS 18.1; Scale/3.00) DeviceSDK/1.0",
    os: "iOS",
    browser: "UNKNOWN"
  }
} as const

type Agent = typeof agents[keyof typeof agents]

interface Actor {
  readonly id: string
  readonly login: string
  readonly name: string
}

const people = {
  victor: { id: ids.victor, login: "victor.sales@example.com", name: "Victor Sales" },
  erin: { id: ids.erin, login: "erin.lee@example.com", name: "Erin Lee" },
  kevin: { id: ids.kevin, login: "kevin.chan@example.com", name: "Kevin Chan" },
  mike: { id: ids.mike, login: "mike.jones.admin@example.com", name: "Mike Jones (admin)" },
  irene: { id: ids.irene, login: "irene.adler@example.com", name: "Irene Adler" },
  wendy: { id: ids.wendy, login: "wendy.contractor@contractor.example.org", name: "Wendy Contractor" },
  jsmith: { id: ids.jsmith, login: "jsmith@example.com", name: "John Smith" },
  alice: { id: ids.alice, login: "alice.admin@example.com", name: "Alice Admin" }
} as const satisfies Record<string, Actor>

/** A stable 32-hex-digit id from a seed (FNV-1a, four rounds): events keep their uuids across sandbox starts. */
const hex = (seed: string): string => {
  let out = ""
  for (let round = 0; round < 4; round++) {
    let h = 0x811c9dc5 ^ round
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193)
    out += (h >>> 0).toString(16).padStart(8, "0")
  }
  return out
}

interface Spec {
  readonly key: string
  /** Minutes before `now`. */
  readonly minutesAgo: number
  readonly eventType: string
  readonly legacyEventType?: string
  readonly displayMessage: string
  readonly actor: Actor
  readonly result: "SUCCESS" | "FAILURE" | "DENY" | "ALLOW"
  readonly reason?: string
  readonly severity?: "INFO" | "WARN"
  readonly from?: Place | undefined
  readonly agent?: Agent | undefined
  readonly isProxy?: boolean
  readonly anonymizer?: "VPN" | "Proxy" | "Tor"
  readonly targets?: ReadonlyArray<{ id: string; type: string; alternateId: string; displayName: string }>
  readonly debugData?: Readonly<Record<string, unknown>>
  readonly transaction?: string
  readonly session?: string
}

const userTarget = (actor: Actor) => ({ id: actor.id, type: "User", alternateId: actor.login, displayName: actor.name })

const oktaApp = {
  id: "0oa1okta00dashboard0",
  type: "AppInstance",
  alternateId: "Okta Dashboard",
  displayName: "Okta Dashboard"
}
const salesforce = {
  id: "0oa1sfdc00salesforce",
  type: "AppInstance",
  alternateId: "Salesforce",
  displayName: "Salesforce.com"
}
const oktaVerifyEnrollment = (actor: Actor) => ({
  id: `pfd${hex(`${actor.id}:verify`).slice(0, 17)}`,
  type: "AuthenticatorEnrollment",
  alternateId: "unknown",
  displayName: "Okta Verify"
})

const quiet = "{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE, New State=NEGATIVE, " +
  "New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}"

const build = (now: number, spec: Spec): Record<string, unknown> => {
  const published = new Date(now - spec.minutesAgo * 60_000).toISOString()
  const from = spec.from
  const transaction = spec.transaction ?? spec.key
  return {
    uuid: hex(spec.key),
    published,
    eventType: spec.eventType,
    version: "0",
    severity: spec.severity ?? "INFO",
    ...(spec.legacyEventType === undefined ? {} : { legacyEventType: spec.legacyEventType }),
    displayMessage: spec.displayMessage,
    actor: { id: spec.actor.id, type: "User", alternateId: spec.actor.login, displayName: spec.actor.name },
    client: from === undefined
      ? { zone: "null" }
      : {
        ...(spec.agent === undefined ? {} : { userAgent: spec.agent }),
        zone: "null",
        device: spec.agent === agents.oktaVerify ? "Mobile" : "Computer",
        ipAddress: from.ip,
        geographicalContext: {
          city: from.city,
          state: from.state,
          country: from.country,
          postalCode: from.postalCode,
          geolocation: { lat: from.lat, lon: from.lon }
        }
      },
    outcome: spec.reason === undefined ? { result: spec.result } : { result: spec.result, reason: spec.reason },
    target: spec.targets ?? [],
    transaction: { type: "WEB", id: `Z${hex(`tx:${transaction}`).slice(0, 19)}`, detail: {} },
    debugContext: { debugData: { requestId: hex(`req:${spec.key}`), ...spec.debugData } },
    authenticationContext: {
      authenticationStep: 0,
      ...(spec.session === undefined ? {} : { externalSessionId: `idx${hex(`session:${spec.session}`).slice(0, 22)}` })
    },
    securityContext: from === undefined
      ? { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null }
      : {
        asNumber: from.asNumber,
        asOrg: from.asOrg,
        isp: from.isp,
        domain: from.domain,
        isProxy: spec.isProxy ?? false,
        ...(spec.anonymizer === undefined ? {} : {
          ipDetails: {
            asNumber: from.asNumber,
            asOrg: from.asOrg,
            isp: from.isp,
            ipServiceCategories: [{ type: spec.anonymizer, isAnonymous: true, operator: "Example VPN" }]
          }
        })
      },
    request: from === undefined ? { ipChain: [] } : {
      ipChain: [{
        ip: from.ip,
        version: "V4",
        geographicalContext: {
          city: from.city,
          state: from.state,
          country: from.country,
          postalCode: from.postalCode,
          geolocation: { lat: from.lat, lon: from.lon }
        }
      }]
    }
  }
}

const signIn = (
  key: string,
  minutesAgo: number,
  actor: Actor,
  from: Place,
  agent: Agent,
  extra: Partial<Spec> = {}
): Spec => ({
  key,
  minutesAgo,
  eventType: "user.session.start",
  legacyEventType: extra.result === "FAILURE" ? "core.user_auth.login_failed" : "core.user_auth.login_success",
  displayMessage: "User login to Okta",
  actor,
  result: "SUCCESS",
  from,
  agent,
  targets: [oktaApp],
  debugData: { requestUri: "/idp/idx/identify", behaviors: quiet, risk: "{level=LOW}", threatSuspected: "false" },
  session: key,
  ...extra
})

const mfa = (key: string, minutesAgo: number, actor: Actor, from: Place, agent: Agent, transaction: string): Spec => ({
  key,
  minutesAgo,
  eventType: "user.authentication.auth_via_mfa",
  legacyEventType: "core.user.factor.attempt_success",
  displayMessage: "Authentication of user via MFA",
  actor,
  result: "SUCCESS",
  from,
  agent,
  targets: [oktaVerifyEnrollment(actor)],
  debugData: { factor: "OKTA_VERIFY_PUSH", factorIntent: "AUTHENTICATION" },
  transaction,
  session: transaction
})

// -----------------------------------------------------------------------------
// the stories' events
// -----------------------------------------------------------------------------

const day = 24 * 60
const attackerBehaviors = "{New Geo-Location=POSITIVE, New Device=POSITIVE, New IP=POSITIVE, New State=POSITIVE, " +
  "New Country=POSITIVE, Velocity=POSITIVE, New City=POSITIVE}"

const victor = (): ReadonlyArray<Spec> => {
  const v = people.victor
  const pushes: Array<Spec> = []
  for (let i = 0; i < 5; i++) {
    const at = 130 - i * 2
    pushes.push({
      key: `victor:push:${i}`,
      minutesAgo: at,
      eventType: "system.push.send_factor_verify_push",
      displayMessage: "Push notification sent for verification",
      actor: v,
      result: "SUCCESS",
      from: places.bucharest,
      agent: agents.edgeWindows,
      targets: [oktaVerifyEnrollment(v)],
      debugData: { factor: "OKTA_VERIFY_PUSH" },
      transaction: `victor:attempt:${i}`
    })
    if (i < 4) {
      pushes.push({
        key: `victor:deny:${i}`,
        minutesAgo: at - 1,
        eventType: "user.mfa.okta_verify.deny_push",
        legacyEventType: "core.user.factor.attempt_fail",
        displayMessage: "User rejected Okta push verify",
        actor: v,
        result: "FAILURE",
        reason: "INVALID_CREDENTIALS",
        severity: "WARN",
        from: places.chicagoPhone,
        agent: agents.oktaVerify,
        targets: [oktaVerifyEnrollment(v)],
        debugData: { factor: "OKTA_VERIFY_PUSH", pushOnlyResponseType: "OV_RESPONSE_DENY" },
        transaction: `victor:attempt:${i}`
      })
    }
  }
  return [
    signIn("victor:routine", 2 * day + 600, v, places.chicago, agents.chromeMac),
    signIn("victor:morning", 180, v, places.chicago, agents.chromeMac),
    ...pushes,
    mfa("victor:approved", 121, v, places.bucharest, agents.edgeWindows, "victor:attempt:4"),
    signIn("victor:takeover", 120, v, places.bucharest, agents.edgeWindows, {
      transaction: "victor:attempt:4",
      session: "victor:attempt:4",
      debugData: {
        requestUri: "/idp/idx/authenticators/poll",
        behaviors: attackerBehaviors,
        risk: "{reasons=Anomalous Location, New Device, level=HIGH}",
        threatSuspected: "false"
      }
    }),
    {
      key: "victor:sso",
      minutesAgo: 115,
      eventType: "user.authentication.sso",
      legacyEventType: "app.auth.sso",
      displayMessage: "User single sign on to app",
      actor: v,
      result: "SUCCESS",
      from: places.bucharest,
      agent: agents.edgeWindows,
      targets: [salesforce],
      debugData: { signOnMode: "SAML 2.0" },
      session: "victor:attempt:4"
    }
  ]
}

const erin = (): ReadonlyArray<Spec> => {
  const e = people.erin
  const failures = Array.from(
    { length: 12 },
    (_, i): Spec =>
      signIn(`erin:guess:${i}`, day + 300 - i * 1.5, e, places.frankfurt, agents.firefoxLinux, {
        result: "FAILURE",
        reason: "INVALID_CREDENTIALS",
        severity: "WARN",
        legacyEventType: "core.user_auth.login_failed",
        debugData: { requestUri: "/idp/idx/identify", threatSuspected: "false" }
      })
  )
  return [
    ...failures,
    {
      key: "erin:lock",
      minutesAgo: day + 300 - 11 * 1.5 - 0.01,
      eventType: "user.account.lock",
      legacyEventType: "core.user_auth.account_locked",
      displayMessage: "Max sign in attempts exceeded",
      actor: e,
      result: "SUCCESS",
      reason: "LOCKED_OUT",
      severity: "WARN",
      from: places.frankfurt,
      agent: agents.firefoxLinux
    }
  ]
}

const kevin = (): ReadonlyArray<Spec> => {
  const k = people.kevin
  return [
    signIn("kevin:morning", day + 120, k, places.seattle, agents.chromeMac),
    signIn("kevin:stranger", 20 * 60, k, places.saoPaulo, agents.edgeWindows, {
      result: "FAILURE",
      reason: "INVALID_CREDENTIALS",
      severity: "WARN",
      legacyEventType: "core.user_auth.login_failed"
    }),
    {
      key: "kevin:report",
      minutesAgo: 19 * 60,
      eventType: "user.account.report_suspicious_activity_by_enduser",
      displayMessage: "User report suspicious activity",
      actor: k,
      result: "SUCCESS",
      severity: "WARN",
      from: places.seattle,
      agent: agents.chromeMac,
      targets: [userTarget(k)],
      debugData: {
        suspiciousActivityEventType: "user.session.start",
        suspiciousActivityEventIp: places.saoPaulo.ip,
        suspiciousActivityEventCity: places.saoPaulo.city,
        suspiciousActivityEventCountry: places.saoPaulo.country
      }
    }
  ]
}

const mike = (): ReadonlyArray<Spec> => [
  {
    key: "mike:grant",
    minutesAgo: 2 * day,
    eventType: "user.account.privilege.grant",
    legacyEventType: "core.user.admin_privilege.granted",
    displayMessage: "Grant user privilege",
    actor: people.alice,
    result: "SUCCESS",
    from: places.boston,
    agent: agents.chromeMac,
    targets: [userTarget(people.mike)],
    debugData: { privilegeGranted: "Organization administrator" }
  },
  signIn("mike:first-admin-sign-in", 2 * day - 30, people.mike, places.boston, agents.chromeMac)
]

const irene = (): ReadonlyArray<Spec> => [
  {
    key: "irene:reset",
    minutesAgo: 3 * day - 60,
    eventType: "user.mfa.factor.reset_all",
    legacyEventType: "core.user.factor.reset_all",
    displayMessage: "Reset all factors for user",
    actor: people.alice,
    result: "SUCCESS",
    from: places.boston,
    agent: agents.chromeMac,
    targets: [userTarget(people.irene)]
  },
  {
    key: "irene:enroll",
    minutesAgo: 3 * day - 90,
    eventType: "user.mfa.factor.activate",
    legacyEventType: "core.user.factor.activate",
    displayMessage: "User set up Okta Verify",
    actor: people.irene,
    result: "SUCCESS",
    from: places.boston,
    agent: agents.oktaVerify,
    targets: [userTarget(people.irene), oktaVerifyEnrollment(people.irene)],
    debugData: { factor: "OKTA_VERIFY_PUSH", behaviors: quiet.replace("New Device=NEGATIVE", "New Device=POSITIVE") }
  }
]

const wendy = (): ReadonlyArray<Spec> => {
  const w = people.wendy
  return [
    signIn("wendy:home", 300, w, places.austin, agents.chromeMac, { session: "wendy:session" }),
    {
      key: "wendy:replay",
      minutesAgo: 270,
      eventType: "user.authentication.sso",
      legacyEventType: "app.auth.sso",
      displayMessage: "User single sign on to app",
      actor: w,
      result: "SUCCESS",
      from: places.amsterdamVpn,
      agent: agents.firefoxLinux,
      isProxy: true,
      anonymizer: "VPN",
      targets: [salesforce],
      debugData: { signOnMode: "SAML 2.0" },
      session: "wendy:session"
    },
    signIn("wendy:vpn", 240, w, places.amsterdamVpn, agents.firefoxLinux, { isProxy: true, anonymizer: "VPN" })
  ]
}

const jsmith = (): ReadonlyArray<Spec> =>
  [3, 2, 1].flatMap((daysAgo): ReadonlyArray<Spec> => {
    const minutesAgo = daysAgo * day - 60
    const key = `jsmith:day:${daysAgo}`
    return [
      mfa(`${key}:mfa`, minutesAgo + 0.5, people.jsmith, places.sanFrancisco, agents.chromeMac, key),
      signIn(key, minutesAgo, people.jsmith, places.sanFrancisco, agents.chromeMac, { transaction: key })
    ]
  })

/**
 * The stories' System Log events, oldest first, with timestamps relative to `now` (all within the last three days).
 * Each call builds fresh objects; uuids and transaction ids are stable.
 */
export const events = (now: Date | DateTime.DateTime): ReadonlyArray<Record<string, unknown>> => {
  const millis = DateTime.toEpochMillis(DateTime.unsafeMake(now))
  return [...victor(), ...erin(), ...kevin(), ...mike(), ...irene(), ...wendy(), ...jsmith()]
    .map((spec) => build(millis, spec))
    .sort((a, b) => String(a.published).localeCompare(String(b.published)))
}
