// Over 350 lines on purpose: one pass over the events fills every field of the summary; splitting the module would
// split that pass.
/**
 * The implementation of `RecentActivity.summarize`: one pass over the events, then the time-ordered signals
 * (peak failures, last sign-in, impossible travel, factor resets followed by activations).
 *
 * @internal
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as OktaLogEvent from "../OktaLogEvent.js"
import type { ImpossibleTravel, RecentActivity, SignInPlace, SummarizeOptions } from "../RecentActivity.js"

/** @internal */
export const impossibleTravelSpeedKmh = 1000
/** @internal */
export const impossibleTravelMinDistanceKm = 500
/** @internal */
export const maxImpossibleTravel = 10
/** @internal */
export const maxIps = 20
/** @internal */
export const maxFailureReasons = 20
/** @internal */
export const oktaSupportActor = "system@okta.com"

const hourMillis = 3_600_000
const otherReason = "(other)"
const noReason = "(none)"

/** The events of a sign-in flow: where Okta writes risk and behaviour verdicts. */
const signInFlow: ReadonlySet<string> = new Set([
  "user.session.start",
  "policy.evaluate_sign_on",
  "user.authentication.sso",
  "user.authentication.auth_via_mfa",
  "user.authentication.verify",
  "user.authentication.authenticate",
  "system.push.send_factor_verify_push"
])

/** What Okta support's password/MFA resets are logged as (actor `system@okta.com`). */
const supportResetTypes: ReadonlySet<string> = new Set([
  "user.account.reset_password",
  "user.mfa.factor.update",
  "user.mfa.factor.deactivate",
  "user.mfa.factor.reset_all",
  "system.mfa.factor.deactivate",
  "user.mfa.attempt_bypass"
])

const geoBehaviors: ReadonlySet<string> = new Set(["NEW GEO-LOCATION", "NEW COUNTRY", "NEW CITY", "NEW STATE"])

// -----------------------------------------------------------------------------
// reading one event
// -----------------------------------------------------------------------------

type Event = OktaLogEvent.LogEvent

const timeOf = (event: Event): number | undefined => {
  if (event.published === undefined) return undefined
  const t = Date.parse(event.published)
  return Number.isFinite(t) ? t : undefined
}

const debugData = (event: Event): Readonly<Record<string, unknown>> => event.debugContext?.debugData ?? {}

const debugText = (event: Event, key: string): string | undefined => {
  const value = debugData(event)[key]
  if (typeof value === "string") return value.slice(0, OktaLogEvent.maxStringLength)
  if (typeof value === "boolean" || typeof value === "number") return String(value)
  return undefined
}

/** One key per sign-in flow: the transaction, else the event itself. */
const flowKey = (event: Event, index: number): string => {
  const id = event.transaction?.id
  return id !== undefined && id !== "" && id !== "unknown" ? `tx:${id}` : `event:${event.uuid ?? index}`
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/** `debugData.logOnlySecurityData`: an object, or its JSON text (bounded before parsing). */
const logOnlySecurityData = (event: Event): Readonly<Record<string, unknown>> => {
  const value = debugData(event).logOnlySecurityData
  if (isRecord(value)) return value
  if (typeof value !== "string" || value.length > 16_384) return {}
  try {
    const parsed: unknown = JSON.parse(value)
    return isRecord(parsed) ? parsed : {}
  } catch {
    return {}
  }
}

/** Okta's behaviour verdicts for an event, by upper-cased name: from the three places Okta has written them. */
const behaviorsOf = (event: Event, logOnlyData: Readonly<Record<string, unknown>>): ReadonlyMap<string, string> => {
  const out = new Map<string, string>()
  const put = (name: unknown, result: unknown) => {
    if (typeof name === "string" && typeof result === "string") out.set(name.trim().toUpperCase(), result.toUpperCase())
  }
  const text = debugText(event, "behaviors")
  if (text !== undefined) {
    for (const [name, result] of Object.entries(OktaLogEvent.parseDebugMap(text))) put(name, result)
  }
  const logOnly = logOnlyData.behaviors
  if (isRecord(logOnly)) { for (const [name, result] of Object.entries(logOnly)) put(name, result) }
  for (const behavior of event.securityContext?.userBehaviors ?? []) {
    if (isRecord(behavior)) put(behavior.name, behavior.result)
  }
  return out
}

/** Okta's risk level for an event (`LOW`, `MEDIUM`, `HIGH`), upper-cased; `undefined` when Okta gave none. */
const riskLevelOf = (event: Event, logOnlyData: Readonly<Record<string, unknown>>): string | undefined => {
  const structured = event.securityContext?.risk?.level
  if (structured !== undefined) return structured.toUpperCase()
  const text = debugText(event, "risk")
  const fromText = text === undefined ? undefined : OktaLogEvent.parseDebugMap(text).level
  if (fromText !== undefined) return fromText.toUpperCase()
  const logOnly = logOnlyData.risk
  return isRecord(logOnly) && typeof logOnly.level === "string" ? logOnly.level.toUpperCase() : undefined
}

const isAnonymized = (event: Event): boolean =>
  event.securityContext?.isProxy === true ||
  (event.securityContext?.ipDetails?.ipServiceCategories ?? []).some((category) =>
    isRecord(category) && category.isAnonymous === true
  )

const isPushDenial = (event: Event, failed: boolean): boolean => {
  if (event.eventType === "user.mfa.okta_verify.deny_push") return true
  if (event.eventType !== "user.authentication.auth_via_mfa" || !failed) return false
  return Object.entries(debugData(event)).some(([key, value]) =>
    key.toLowerCase() === "pushonlyresponsetype" && value === "OV_RESPONSE_DENY"
  )
}

const placeOf = (event: Event, t: number): SignInPlace => ({
  at: new Date(t).toISOString(),
  ip: event.client?.ipAddress ?? null,
  city: event.client?.geographicalContext?.city ?? null,
  country: event.client?.geographicalContext?.country ?? null,
  user_agent: event.client?.userAgent?.rawUserAgent ?? null
})

const geolocationOf = (event: Event): { readonly lat: number; readonly lon: number } | undefined => {
  const geo = event.client?.geographicalContext?.geolocation
  const lat = geo?.lat
  const lon = geo?.lon
  return lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
    ? { lat, lon }
    : undefined
}

// -----------------------------------------------------------------------------
// pure helpers
// -----------------------------------------------------------------------------

/** @internal */
export const distanceKm = (
  a: { readonly lat: number; readonly lon: number },
  b: { readonly lat: number; readonly lon: number }
): number => {
  const radians = (degrees: number) => (degrees * Math.PI) / 180
  const dLat = radians(b.lat - a.lat)
  const dLon = radians(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** @internal */
export const effectiveWindow = (window: Duration.DurationInput): Duration.Duration =>
  Duration.min(Duration.decode(window), OktaLogEvent.maxWindow)

/** @internal */
export const isoDuration = (window: Duration.DurationInput): string => {
  const millis = Duration.toMillis(effectiveWindow(window))
  const days = Math.floor(millis / 86_400_000)
  let rest = millis - days * 86_400_000
  const hours = Math.floor(rest / hourMillis)
  rest -= hours * hourMillis
  const minutes = Math.floor(rest / 60_000)
  const seconds = (rest - minutes * 60_000) / 1000
  const time = `${hours > 0 ? `${hours}H` : ""}${minutes > 0 ? `${minutes}M` : ""}${seconds > 0 ? `${seconds}S` : ""}`
  if (days === 0 && time === "") return "PT0S"
  return `P${days > 0 ? `${days}D` : ""}${time === "" ? "" : `T${time}`}`
}

/** Keys of a "latest time seen" map, most recent first (unknown times last, in first-seen order). */
const byRecency = (seen: ReadonlyMap<string, number>): ReadonlyArray<string> =>
  [...seen.entries()].sort((a, b) => b[1] - a[1]).map(([key]) => key)

const noteLatest = (seen: Map<string, number>, key: string | undefined, t: number | undefined) => {
  if (key === undefined || key === "") return
  const at = t ?? Number.NEGATIVE_INFINITY
  const before = seen.get(key)
  if (before === undefined || at > before) seen.set(key, at)
}

/** The most timestamps within any span shorter than `span` milliseconds. */
const peakWithin = (times: ReadonlyArray<number>, span: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let peak = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= span) start++
    peak = Math.max(peak, end - start + 1)
  }
  return peak
}

interface Located {
  readonly t: number
  readonly order: number
  readonly place: SignInPlace
  readonly geo: { readonly lat: number; readonly lon: number } | undefined
}

const impossibleTravel = (signIns: ReadonlyArray<Located>): ReadonlyArray<ImpossibleTravel> => {
  const located = signIns.filter((s) => s.geo !== undefined).sort((a, b) => a.t - b.t || a.order - b.order)
  const pairs: Array<ImpossibleTravel> = []
  for (let i = 1; i < located.length; i++) {
    const from = located[i - 1]
    const to = located[i]
    const distance = distanceKm(from.geo!, to.geo!)
    if (distance < impossibleTravelMinDistanceKm) continue
    const elapsedSeconds = (to.t - from.t) / 1000
    const speed = elapsedSeconds === 0 ? null : distance / (elapsedSeconds / 3600)
    if (speed !== null && speed <= impossibleTravelSpeedKmh) continue
    pairs.push({
      from: from.place,
      to: to.place,
      distance_km: Math.round(distance),
      elapsed_seconds: elapsedSeconds,
      speed_kmh: speed === null ? null : Math.round(speed)
    })
  }
  return pairs.slice(-maxImpossibleTravel).reverse()
}

// -----------------------------------------------------------------------------
// summarize
// -----------------------------------------------------------------------------

/** @internal */
export const summarize = (events: ReadonlyArray<Event>, options: SummarizeOptions): RecentActivity => {
  const { userId } = options
  const window = effectiveWindow(options.window)
  const since = options.since === undefined
    ? OktaLogEvent.sinceOf(window, options.now)
    : DateTime.toUtc(DateTime.unsafeMake(options.since))
  const sinceMillis = DateTime.toEpochMillis(since)
  const unreadable = Math.max(0, Math.floor(options.unreadable ?? 0))

  let success = 0
  let failure = 0
  const failureReasons = new Map<string, number>()
  const failureTimes: Array<number> = []
  const successes: Array<Located> = []
  const ips = new Map<string, number>()
  const countries = new Map<string, number>()
  const firstSeenCountries = new Map<string, number>()
  const newDevices = new Set<string>()
  const newIps = new Set<string>()
  const newGeo = new Set<string>()
  const velocity = new Set<string>()
  const pushDenials = new Set<string>()
  const highRisk = new Set<string>()
  const sessions = new Map<string, { ips: Set<string>; agents: Set<string> }>()
  const roaming = new Set<string>()
  const activations: Array<number> = []
  const removals: Array<number> = []
  const privileges = new Set<string>()
  const counts = {
    activated: 0,
    deactivated: 0,
    reset: 0,
    suspended: 0,
    passwordChanges: 0,
    passwordResets: 0,
    supportResets: 0,
    lockouts: 0,
    reported: 0,
    threats: 0,
    anonymized: 0,
    adminGrants: 0
  }
  let untimed = 0

  events.forEach((event, index) => {
    const t = timeOf(event)
    if (t !== undefined && t < sinceMillis) return
    const userTargets = OktaLogEvent.targets(event).filter((target) => target.type === "User")
    const byUser = event.actor?.id === userId
    const aboutUser = userTargets.length > 0 ? userTargets.some((target) => target.id === userId) : byUser
    if (!aboutUser) return
    if (t === undefined) untimed++

    const type = event.eventType ?? ""
    const result = event.outcome?.result?.toUpperCase()
    const failed = result === "FAILURE" || result === "DENY"
    const succeeded = result === "SUCCESS"
    const key = flowKey(event, index)
    const country = event.client?.geographicalContext?.country

    if (byUser) {
      noteLatest(ips, event.client?.ipAddress, t)
      noteLatest(countries, country, t)
    }

    if (type === "user.session.start" && byUser) {
      if (succeeded) {
        success++
        if (t !== undefined) successes.push({ t, order: index, place: placeOf(event, t), geo: geolocationOf(event) })
      } else if (failed) {
        failure++
        const reason = event.outcome?.reason ?? noReason
        const name = failureReasons.has(reason) || failureReasons.size < maxFailureReasons ? reason : otherReason
        failureReasons.set(name, (failureReasons.get(name) ?? 0) + 1)
        if (t !== undefined) failureTimes.push(t)
      }
      if (isAnonymized(event)) counts.anonymized++
    }

    const sessionId = event.authenticationContext?.externalSessionId
    if (sessionId !== undefined && sessionId !== "" && sessionId !== "unknown" && byUser) {
      if ((type === "user.session.start" && succeeded) || type === "user.authentication.sso") {
        const session = sessions.get(sessionId) ?? { ips: new Set<string>(), agents: new Set<string>() }
        sessions.set(sessionId, session)
        if (event.client?.ipAddress !== undefined) session.ips.add(event.client.ipAddress)
        if (event.client?.userAgent?.rawUserAgent !== undefined) session.agents.add(event.client.userAgent.rawUserAgent)
      }
    }
    if (type === "security.session.detect_client_roaming") roaming.add(sessionId ?? key)

    if (isPushDenial(event, failed)) pushDenials.add(key)

    switch (type) {
      case "user.mfa.factor.activate":
        if (!failed) {
          counts.activated++
          if (t !== undefined) activations.push(t)
        }
        break
      case "user.mfa.factor.deactivate":
        if (!failed) {
          counts.deactivated++
          if (t !== undefined) removals.push(t)
        }
        break
      case "user.mfa.factor.reset_all":
        if (!failed) {
          counts.reset++
          if (t !== undefined) removals.push(t)
        }
        break
      case "user.mfa.factor.suspend":
        if (!failed) counts.suspended++
        break
      case "user.account.update_password":
        if (succeeded) counts.passwordChanges++
        break
      case "user.account.reset_password":
        if (succeeded) counts.passwordResets++
        break
      case "user.account.lock":
      case "user.account.lock.limit":
        if (!failed) counts.lockouts++
        break
      case "user.account.report_suspicious_activity_by_enduser":
        counts.reported++
        break
      case "user.account.privilege.grant":
        if (succeeded && userTargets.some((target) => target.id === userId)) {
          counts.adminGrants++
          const privilege = debugText(event, "privilegeGranted")
          if (privilege !== undefined) {
            for (const name of privilege.split(",").map((p) => p.trim())) {
              if (name !== "") privileges.add(name)
            }
          }
        }
        break
    }

    if (
      supportResetTypes.has(type) &&
      event.actor?.alternateId?.toLowerCase() === oktaSupportActor &&
      event.client?.userAgent?.rawUserAgent === undefined &&
      country === undefined &&
      !failed
    ) counts.supportResets++

    const threatSuspected = debugText(event, "threatSuspected")
    if (type === "security.threat.detected" || threatSuspected?.toLowerCase() === "true") counts.threats++

    const logOnly = logOnlySecurityData(event)
    if (signInFlow.has(type) && riskLevelOf(event, logOnly) === "HIGH") highRisk.add(key)

    for (const [name, verdict] of behaviorsOf(event, logOnly)) {
      if (verdict !== "POSITIVE") continue
      if (name === "NEW DEVICE") newDevices.add(key)
      if (name === "NEW IP") newIps.add(key)
      if (geoBehaviors.has(name)) newGeo.add(key)
      if (name === "VELOCITY") velocity.add(key)
      if (name === "NEW COUNTRY" && byUser) noteLatest(firstSeenCountries, country, t)
    }
  })

  for (const [sessionId, session] of sessions) {
    if (session.ips.size >= 2 && session.agents.size >= 2) roaming.add(sessionId)
  }

  const lastSignIn = successes.reduce<Located | undefined>(
    (latest, s) => (latest === undefined || s.t > latest.t ? s : latest),
    undefined
  )

  const complete = options.complete !== false && unreadable === 0
  const warnings: Array<string> = []
  if (options.complete === false) {
    warnings.push(
      options.incompleteReason ??
        "the System Log read stopped before the start of the window: older events were not examined"
    )
  }
  if (unreadable > 0) warnings.push(`${unreadable} System Log entries were not events and were skipped`)
  if (untimed > 0) {
    warnings.push(`${untimed} events had no readable "published" time: counted, but not used for time-based fields`)
  }

  const ipList = byRecency(ips)
  return {
    window: { duration: isoDuration(window), since: DateTime.formatIso(since) },
    events_examined: events.length + unreadable,
    complete,
    warnings,
    sign_ins: {
      success,
      failure,
      failure_reasons: Object.fromEntries(failureReasons),
      failure_peak_hour: peakWithin(failureTimes, hourMillis)
    },
    last_sign_in: lastSignIn?.place ?? null,
    distinct_ips: ipList.length,
    ips: ipList.slice(0, maxIps),
    countries: byRecency(countries),
    first_seen_countries: byRecency(firstSeenCountries),
    new_devices: newDevices.size,
    new_ips: newIps.size,
    new_geo_locations: newGeo.size,
    velocity_flags: velocity.size,
    mfa_push_denied: pushDenials.size,
    mfa_factor_changes: {
      activated: counts.activated,
      deactivated: counts.deactivated,
      reset: counts.reset,
      suspended: counts.suspended,
      new_factor_after_reset: removals.reduce((a, b) => Math.min(a, b), Infinity) <
        activations.reduce((a, b) => Math.max(a, b), -Infinity)
    },
    password_changes: counts.passwordChanges,
    password_resets: counts.passwordResets,
    support_resets: counts.supportResets,
    lockouts: counts.lockouts,
    suspicious_activity_reported: counts.reported,
    threats_detected: counts.threats,
    high_risk_sign_ins: highRisk.size,
    anonymizing_proxy_sign_ins: counts.anonymized,
    admin_grants: counts.adminGrants,
    admin_privileges: [...privileges],
    session_roaming: roaming.size,
    impossible_travel: impossibleTravel(successes)
  }
}
