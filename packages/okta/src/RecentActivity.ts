/**
 * Recent activity and signs of compromise: a summary of one account's System Log events in a window, as
 * `extracted.recent_activity`. Every field counts only what the events say; which event types feed which field is
 * documented on the field (and in the README's table).
 *
 * Who an event is about: an event counts for the account when one of its `target[]` entries of type `User` is the
 * account, or, when it has no `User` target, when the account is its `actor`. So an administrator's own reset of
 * somebody else's password is not counted for the administrator, and a sign-in (no `User` target) counts for the
 * user who signed in. Where an event comes from (IPs, countries, sign-ins) is read only from events the account
 * itself performed (`actor.id`): an admin's IP is not the user's.
 *
 * @since 0.1.0
 */
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import * as internal from "./internal/recentActivity.js"
import type * as OktaLogEvent from "./OktaLogEvent.js"

// -----------------------------------------------------------------------------
// thresholds
// -----------------------------------------------------------------------------

/**
 * Impossible travel: two consecutive successful sign-ins are impossible when travelling between them needs more than
 * this speed (km/h): faster than a commercial airliner (about 900 km/h) with some slack for timing.
 */
export const impossibleTravelSpeedKmh: number = internal.impossibleTravelSpeedKmh

/**
 * Impossible travel: pairs closer than this (km) are never reported. IP geolocation is city-level and often off by a
 * few hundred kilometres (mobile carriers, corporate egress), so nearby pairs are noise, whatever the time between.
 */
export const impossibleTravelMinDistanceKm: number = internal.impossibleTravelMinDistanceKm

/** At most this many impossible-travel pairs are listed (the newest). */
export const maxImpossibleTravel: number = internal.maxImpossibleTravel

/** At most this many IP addresses are listed in `ips` (the most recent); `distinct_ips` counts them all. */
export const maxIps: number = internal.maxIps

/** At most this many distinct failure reasons are counted by name; the rest are counted under `(other)`. */
export const maxFailureReasons: number = internal.maxFailureReasons

/** Okta's sign-in by an Okta support engineer acts as this actor. */
export const oktaSupportActor: string = internal.oktaSupportActor

// -----------------------------------------------------------------------------
// model
// -----------------------------------------------------------------------------

/** Where and when a sign-in happened (Okta's `client` and `published`); unknown parts are `null`. */
export const SignInPlace = Schema.Struct({
  at: Schema.String,
  ip: Schema.NullOr(Schema.String),
  city: Schema.NullOr(Schema.String),
  country: Schema.NullOr(Schema.String),
  user_agent: Schema.NullOr(Schema.String)
})
export type SignInPlace = typeof SignInPlace.Type

/** Two successful sign-ins too far apart for the time between them. */
export const ImpossibleTravel = Schema.Struct({
  from: SignInPlace,
  to: SignInPlace,
  /** Great-circle distance between the two geolocations, rounded to a kilometre. */
  distance_km: Schema.Number,
  elapsed_seconds: Schema.Number,
  /** `distance_km` over the elapsed time, rounded; `null` when both sign-ins have the same timestamp. */
  speed_kmh: Schema.NullOr(Schema.Number)
})
export type ImpossibleTravel = typeof ImpossibleTravel.Type

/** The summary of one account's System Log events in a window (`extracted.recent_activity`). */
export const RecentActivity = Schema.Struct({
  /** The window read: its ISO 8601 duration (`P7D`) and its start (`since`, ISO 8601 UTC). */
  window: Schema.Struct({ duration: Schema.String, since: Schema.String }),
  /** Events read from the System Log (including ones not about the account, and unreadable ones). */
  events_examined: Schema.Number,
  /** `false` when the read stopped before the start of the window (page bound) or some events were unreadable. */
  complete: Schema.Boolean,
  /** Why the summary is incomplete, and what was skipped (events without a readable time); usually empty. */
  warnings: Schema.Array(Schema.String),
  /**
   * Sign-ins to Okta (`user.session.start` by the account): `SUCCESS`, and `FAILURE`/`DENY`, with failures counted by
   * `outcome.reason`; `failure_peak_hour` is the most failures within any 60 minutes (brute force shows as a burst).
   */
  sign_ins: Schema.Struct({
    success: Schema.Number,
    failure: Schema.Number,
    failure_reasons: Schema.Record({ key: Schema.String, value: Schema.Number }),
    failure_peak_hour: Schema.Number
  }),
  /** The newest successful `user.session.start`; `null` when there was none in the window. */
  last_sign_in: Schema.NullOr(SignInPlace),
  /** Distinct `client.ipAddress` of events the account performed. */
  distinct_ips: Schema.Number,
  /** Those IP addresses, most recent first, at most {@link maxIps}. */
  ips: Schema.Array(Schema.String),
  /** Distinct `client.geographicalContext.country` of events the account performed, most recent first. */
  countries: Schema.Array(Schema.String),
  /**
   * Countries Okta itself flagged as new for the account (behaviour `New Country=POSITIVE`): Okta compares with the
   * account's history, which a window cannot. Empty when Okta's behaviour detection says nothing.
   */
  first_seen_countries: Schema.Array(Schema.String),
  /** Sign-in flows (by transaction) Okta flagged `New Device=POSITIVE`. */
  new_devices: Schema.Number,
  /** Sign-in flows (by transaction) Okta flagged `New IP=POSITIVE`. */
  new_ips: Schema.Number,
  /** Sign-in flows (by transaction) Okta flagged `New Geo-Location=POSITIVE` (or `New Country` / `New City`). */
  new_geo_locations: Schema.Number,
  /** Sign-in flows (by transaction) Okta flagged `Velocity=POSITIVE` (Okta's own impossible-travel behaviour). */
  velocity_flags: Schema.Number,
  /**
   * Okta Verify pushes the user rejected (MFA fatigue): `user.mfa.okta_verify.deny_push`, and
   * `user.authentication.auth_via_mfa` failures whose debug data says `OV_RESPONSE_DENY`; one per transaction.
   */
  mfa_push_denied: Schema.Number,
  /**
   * Factor lifecycle: `user.mfa.factor.activate`, `.deactivate`, `.reset_all`, `.suspend` (not failed).
   * `new_factor_after_reset`: a factor was activated after a reset or deactivation in the window.
   */
  mfa_factor_changes: Schema.Struct({
    activated: Schema.Number,
    deactivated: Schema.Number,
    reset: Schema.Number,
    suspended: Schema.Number,
    new_factor_after_reset: Schema.Boolean
  }),
  /** Successful `user.account.update_password` (the user changed it). */
  password_changes: Schema.Number,
  /** Successful `user.account.reset_password` (a reset, by an admin, Okta support or self-service). */
  password_resets: Schema.Number,
  /**
   * Password or MFA resets by Okta support: `user.account.reset_password`, `user.mfa.factor.update`,
   * `user.mfa.factor.deactivate`, `user.mfa.factor.reset_all`, `system.mfa.factor.deactivate`,
   * `user.mfa.attempt_bypass` whose actor is `system@okta.com` with no user agent and no country.
   */
  support_resets: Schema.Number,
  /** `user.account.lock` and `user.account.lock.limit`. */
  lockouts: Schema.Number,
  /** `user.account.report_suspicious_activity_by_enduser`: the user said "this wasn't me". */
  suspicious_activity_reported: Schema.Number,
  /** ThreatInsight: `security.threat.detected` events, and events whose debug data says `threatSuspected=true`. */
  threats_detected: Schema.Number,
  /** Sign-in flows (by transaction) with risk level `HIGH` (`securityContext.risk.level` or debug data `risk`). */
  high_risk_sign_ins: Schema.Number,
  /** `user.session.start` attempts from an anonymizing proxy/VPN/Tor (`securityContext.isProxy` or `ipDetails`). */
  anonymizing_proxy_sign_ins: Schema.Number,
  /** Successful `user.account.privilege.grant` to the account (an admin role assigned to it). */
  admin_grants: Schema.Number,
  /** The privileges granted (debug data `privilegeGranted`), in order, distinct. */
  admin_privileges: Schema.Array(Schema.String),
  /**
   * Sessions used from more than one place: `security.session.detect_client_roaming`, and sessions
   * (`authenticationContext.externalSessionId`) whose sign-in/SSO events show two or more IPs and two or more user
   * agents (a stolen session cookie replayed elsewhere). Counted once per session.
   */
  session_roaming: Schema.Number,
  /**
   * Consecutive successful sign-ins (`user.session.start`) with geolocations at least
   * {@link impossibleTravelMinDistanceKm} km apart and faster than {@link impossibleTravelSpeedKmh} km/h (or at the
   * same instant). Sign-ins without a geolocation are skipped, never guessed. The newest {@link maxImpossibleTravel}.
   */
  impossible_travel: Schema.Array(ImpossibleTravel)
})

/** The summary of one account's System Log events in a window. */
export type RecentActivity = typeof RecentActivity.Type

// -----------------------------------------------------------------------------
// summarize
// -----------------------------------------------------------------------------

/** Options of {@link summarize}. */
export interface SummarizeOptions {
  /** The account's Okta id (`00u...`). */
  readonly userId: string
  /** The window that was read. */
  readonly window: Duration.DurationInput
  /** The end of the window (the lookup's time). */
  readonly now: DateTime.DateTime | Date
  /** The start of the window, when the query used another than `now - window`. */
  readonly since?: DateTime.DateTime | Date | undefined
  /** `false` when the read stopped early (default `true`). */
  readonly complete?: boolean | undefined
  /** Why the read stopped early, shown in `warnings`. */
  readonly incompleteReason?: string | undefined
  /** Elements of the response that were not events ({@link OktaLogEvent.decodeEvents}'s `unreadable`). */
  readonly unreadable?: number | undefined
}

/**
 * Summarizes an account's System Log events (any order; Okta's newest-first is fine) into {@link RecentActivity}.
 * Pure and total: malformed events are skipped or counted safely, never a failure. Events published before the
 * window's start are ignored.
 */
export const summarize = (
  events: ReadonlyArray<OktaLogEvent.LogEvent>,
  options: SummarizeOptions
): RecentActivity => internal.summarize(events, options)

/** The ISO 8601 form of a window (`P7D`, `PT12H`, `PT1H30M`, `PT0.5S`). */
export const isoDuration = (window: Duration.DurationInput): string => internal.isoDuration(window)

/** Great-circle distance in kilometres between two points given in degrees (haversine, mean Earth radius). */
export const distanceKm = (
  a: { readonly lat: number; readonly lon: number },
  b: { readonly lat: number; readonly lon: number }
): number => internal.distanceKm(a, b)
