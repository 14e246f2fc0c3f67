/**
 * The provider's recent activity: turning a System Log read into `extracted.recent_activity` (or `null` and a warning),
 * and the identity cache that lets an activity-enabled lookup refresh only its activity.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { LogListing } from "../OktaClient.js"
import type { OktaError } from "../OktaError.js"
import * as OktaLogEvent from "../OktaLogEvent.js"
import * as RecentActivity from "../RecentActivity.js"
import type { Extraction } from "./extract.js"

/** The System Log read of one lookup. */
export type ActivityRead =
  | { readonly _tag: "Fetched"; readonly listing: LogListing }
  | { readonly _tag: "Failed"; readonly reason: string }

/** @internal */
export interface Settings {
  readonly window: Duration.Duration
  readonly maxEvents: number | undefined
  readonly ttl: Duration.Duration
}

/** Why the System Log could not be read, in words a person can act on. */
export const failureReason = (error: OktaError): string =>
  error._tag === "OktaForbidden"
    ? `the System Log could not be read; the token needs the okta.logs.read scope (a Read-Only Administrator's ` +
      `API token has it): ${error.message}`
    : `the System Log could not be read: ${error.message}`

/** An extraction whose raw responses may have been dropped (`raw: null`: no rule reads them, nobody asked). */
export interface Kept {
  readonly extracted: Extraction["extracted"]
  readonly raw: Extraction["raw"] | null
  readonly warnings: Extraction["warnings"]
}

/**
 * The read, summarized into the extraction: `recent_activity` (or `null` and a warning), and `raw.logs` when raw
 * responses are kept (`raw` not `null`).
 */
export const attach = (extraction: Kept, read: ActivityRead, settings: Settings, userId: string): Kept => {
  if (read._tag === "Failed") {
    return {
      extracted: { ...extraction.extracted, recent_activity: null },
      raw: extraction.raw && { ...extraction.raw, logs: null },
      warnings: [...extraction.warnings, `recent_activity: ${read.reason}`]
    }
  }
  const { listing } = read
  const decoded = OktaLogEvent.decodeEvents(listing.items)
  const summary = RecentActivity.summarize(decoded.events, {
    userId,
    window: settings.window,
    now: listing.until,
    since: listing.since,
    complete: listing.complete,
    incompleteReason: listing.incompleteReason,
    unreadable: decoded.unreadable
  })
  return {
    extracted: { ...extraction.extracted, recent_activity: summary },
    raw: extraction.raw && { ...extraction.raw, logs: listing.items },
    warnings: extraction.warnings
  }
}

/**
 * What the identity cache keeps: the identity part of a lookup whose user, groups, factors and roles were all read
 * completely (no warnings), as extracted: the fields, and the raw responses only when they are kept.
 */
export interface Identity {
  readonly userId: string
  readonly extracted: Extraction["extracted"]
  readonly raw: Extraction["raw"] | null
}

/** Entries kept at most: a bulk run of more accounts evicts the oldest. */
export const maxIdentities = 10_000

/**
 * The identity part of found accounts, kept for the identity TTL (the provider's `cacheTtl`) while the Enricher's
 * entry lives only for the activity TTL: when the entry expires, the next lookup reads only the System Log.
 * Keyed by the indicator's value; times are the provider's Clock (epoch millis).
 */
export interface IdentityCache {
  readonly get: (key: string, now: number) => Identity | undefined
  readonly set: (key: string, identity: Identity, now: number) => void
}

export const makeIdentityCache = (ttl: Duration.Duration): IdentityCache => {
  const ttlMillis = Duration.toMillis(ttl)
  const entries = new Map<string, { readonly identity: Identity; readonly expiresAt: number }>()
  return {
    get: (key, now) => {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (now >= entry.expiresAt) {
        entries.delete(key)
        return undefined
      }
      return entry.identity
    },
    set: (key, identity, now) => {
      if (!(ttlMillis > 0)) return
      entries.delete(key)
      if (entries.size >= maxIdentities) {
        const oldest = entries.keys().next()
        if (oldest.done !== true) entries.delete(oldest.value)
      }
      entries.set(key, { identity, expiresAt: now + ttlMillis })
    }
  }
}
