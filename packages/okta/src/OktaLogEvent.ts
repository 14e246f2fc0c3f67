/**
 * Okta's System Log (`GET /api/v1/logs`): the `LogEvent` fields enrich reads, and the bounded query for one account.
 *
 * The schema is deliberately open and forgiving. Okta adds fields all the time and its own examples disagree with its
 * spec (`version: 0`, `postalCode: 10013`, `detailEntry: null`), so: unknown fields are ignored, every field may be
 * absent or `null`, and a field of the wrong type decodes as absent instead of failing the event. Only an element
 * that is not an object at all is unreadable ({@link decodeEvents} counts those).
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

// -----------------------------------------------------------------------------
// model
// -----------------------------------------------------------------------------

/** Okta's longest documented string (`outcome.reason`) is 255; anything far longer is cut so hostile input stays small. */
export const maxStringLength = 1024

/** `actor` and each `target[]` entry: who did it, to what. */
export interface LogEntity {
  readonly id?: string | undefined
  readonly type?: string | undefined
  readonly alternateId?: string | undefined
  readonly displayName?: string | undefined
}

/** `client.geographicalContext`. */
export interface LogGeographicalContext {
  readonly city?: string | undefined
  readonly state?: string | undefined
  readonly country?: string | undefined
  readonly geolocation?: { readonly lat?: number | undefined; readonly lon?: number | undefined } | undefined
}

/** `client`: where the request came from. */
export interface LogClient {
  readonly id?: string | undefined
  readonly ipAddress?: string | undefined
  readonly device?: string | undefined
  readonly zone?: string | undefined
  readonly userAgent?: {
    readonly rawUserAgent?: string | undefined
    readonly os?: string | undefined
    readonly browser?: string | undefined
  } | undefined
  readonly geographicalContext?: LogGeographicalContext | undefined
}

/** `securityContext`: what Okta knows about the IP address, and (newer orgs) its risk and behaviour verdicts. */
export interface LogSecurityContext {
  readonly asNumber?: number | undefined
  readonly asOrg?: string | undefined
  readonly isp?: string | undefined
  readonly domain?: string | undefined
  readonly isProxy?: boolean | undefined
  readonly risk?: {
    readonly level?: string | undefined
    readonly reasons?: ReadonlyArray<unknown> | undefined
    readonly detectionName?: string | undefined
  } | undefined
  /** `[{ id, name, result }]`, entries read loosely. */
  readonly userBehaviors?: ReadonlyArray<unknown> | undefined
  readonly ipDetails?: { readonly ipServiceCategories?: ReadonlyArray<unknown> | undefined } | undefined
}

/**
 * One System Log event: the fields enrich reads. `debugContext.debugData` is a free-form map in Okta's spec and stays
 * one; `target` entries are read with {@link targets}.
 */
export interface LogEvent {
  readonly uuid?: string | undefined
  readonly published?: string | undefined
  readonly eventType?: string | undefined
  readonly displayMessage?: string | undefined
  readonly severity?: string | undefined
  readonly outcome?: { readonly result?: string | undefined; readonly reason?: string | undefined } | undefined
  readonly actor?: LogEntity | undefined
  readonly target?: ReadonlyArray<unknown> | undefined
  readonly client?: LogClient | undefined
  readonly securityContext?: LogSecurityContext | undefined
  readonly debugContext?: { readonly debugData?: Readonly<Record<string, unknown>> | undefined } | undefined
  readonly authenticationContext?: {
    readonly externalSessionId?: string | undefined
    readonly rootSessionId?: string | undefined
  } | undefined
  readonly transaction?: { readonly id?: string | undefined; readonly type?: string | undefined } | undefined
}

// Hand-written readers rather than a Schema.Struct of per-field transforms: the same leniency at about a
// hundredth of the cost, which matters at 1,000 events per lookup.
type Json = Readonly<Record<string, unknown>>

const object = (value: unknown): Json | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined
const text = (value: unknown): string | undefined =>
  typeof value === "string" ? (value.length > maxStringLength ? value.slice(0, maxStringLength) : value) : undefined
const finite = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? value : undefined
const boolean = (value: unknown): boolean | undefined => (typeof value === "boolean" ? value : undefined)
const array = (value: unknown): ReadonlyArray<unknown> | undefined => (Array.isArray(value) ? value : undefined)
const nested = <A>(value: unknown, read: (json: Json) => A): A | undefined => {
  const json = object(value)
  return json === undefined ? undefined : read(json)
}

const readEntity = (json: Json): LogEntity => ({
  id: text(json.id),
  type: text(json.type),
  alternateId: text(json.alternateId),
  displayName: text(json.displayName)
})

const readClient = (json: Json): LogClient => ({
  id: text(json.id),
  ipAddress: text(json.ipAddress),
  device: text(json.device),
  zone: text(json.zone),
  userAgent: nested(json.userAgent, (ua) => ({
    rawUserAgent: text(ua.rawUserAgent),
    os: text(ua.os),
    browser: text(ua.browser)
  })),
  geographicalContext: nested(json.geographicalContext, (geo) => ({
    city: text(geo.city),
    state: text(geo.state),
    country: text(geo.country),
    geolocation: nested(geo.geolocation, (at) => ({ lat: finite(at.lat), lon: finite(at.lon) }))
  }))
})

const readSecurityContext = (json: Json): LogSecurityContext => ({
  asNumber: finite(json.asNumber),
  asOrg: text(json.asOrg),
  isp: text(json.isp),
  domain: text(json.domain),
  isProxy: boolean(json.isProxy),
  risk: nested(json.risk, (risk) => ({
    level: text(risk.level),
    reasons: array(risk.reasons),
    detectionName: text(risk.detectionName)
  })),
  userBehaviors: array(json.userBehaviors),
  ipDetails: nested(json.ipDetails, (details) => ({ ipServiceCategories: array(details.ipServiceCategories) }))
})

const readEvent = (json: Json): LogEvent => ({
  uuid: text(json.uuid),
  published: text(json.published),
  eventType: text(json.eventType),
  displayMessage: text(json.displayMessage),
  severity: text(json.severity),
  outcome: nested(json.outcome, (outcome) => ({ result: text(outcome.result), reason: text(outcome.reason) })),
  actor: nested(json.actor, readEntity),
  target: array(json.target),
  client: nested(json.client, readClient),
  securityContext: nested(json.securityContext, readSecurityContext),
  debugContext: nested(json.debugContext, (debug) => ({ debugData: object(debug.debugData) })),
  authenticationContext: nested(json.authenticationContext, (auth) => ({
    externalSessionId: text(auth.externalSessionId),
    rootSessionId: text(auth.rootSessionId)
  })),
  transaction: nested(json.transaction, (transaction) => ({ id: text(transaction.id), type: text(transaction.type) }))
})

/**
 * The schema of one System Log event: any JSON object decodes (absent, `null` and wrong-typed fields become
 * `undefined`, strings are cut to {@link maxStringLength}); anything else fails.
 */
export const LogEvent: Schema.Schema<LogEvent, unknown> = Schema.declare([], {
  decode: () => (input, _options, ast) => {
    const json = object(input)
    return json === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, input, "a System Log event must be a JSON object"))
      : ParseResult.succeed(readEvent(json))
  },
  encode: () => (input) => ParseResult.succeed(input)
}, { identifier: "LogEvent", description: "an Okta System Log event" })

/** The readable entries of `target[]` (entries that are not objects are dropped). */
export const targets = (event: LogEvent): ReadonlyArray<LogEntity> =>
  (event.target ?? []).flatMap((entry) => {
    const json = object(entry)
    return json === undefined ? [] : [readEntity(json)]
  })

/** The events of a page, and how many elements were not objects (counted, never fatal). */
export interface Decoded {
  readonly events: ReadonlyArray<LogEvent>
  readonly unreadable: number
}

/** Decodes a page (or several) of System Log events. Never fails: non-object elements are counted in `unreadable`. */
export const decodeEvents = (input: ReadonlyArray<unknown>): Decoded => {
  const events: Array<LogEvent> = []
  let unreadable = 0
  for (const element of input) {
    const json = object(element)
    if (json === undefined) unreadable++
    else events.push(readEvent(json))
  }
  return { events, unreadable }
}

// -----------------------------------------------------------------------------
// Okta's `{key=value, ...}` debug strings
// -----------------------------------------------------------------------------

/**
 * Parses Okta's debug-data maps written as text, `"{New Geo-Location=POSITIVE, New Device=NEGATIVE}"` or
 * `"{reasons=Anomalous Device, level=HIGH}"`, into `{ key: value }`. Keys and values are trimmed; a part without `=` is
 * ignored. Commas inside values (`reasons=A, B, level=HIGH`) are kept with the previous value when the next part has
 * no `=`. Input longer than {@link maxStringLength} is cut first.
 */
export const parseDebugMap = (text: string): Readonly<Record<string, string>> => {
  const body = text.slice(0, maxStringLength).trim().replace(/^\{/, "").replace(/\}$/, "")
  const out: Record<string, string> = {}
  let lastKey: string | undefined
  for (const part of body.split(",")) {
    const at = part.indexOf("=")
    if (at > 0) {
      lastKey = part.slice(0, at).trim()
      out[lastKey] = part.slice(at + 1).trim()
    } else if (lastKey !== undefined && part.trim() !== "") {
      out[lastKey] = `${out[lastKey]}, ${part.trim()}`
    }
  }
  return out
}

// -----------------------------------------------------------------------------
// the query
// -----------------------------------------------------------------------------

/** Okta's largest page for `/api/v1/logs`. */
export const maxPageSize = 1000

/** Okta keeps System Log events for 90 days: a longer window reads nothing more. */
export const maxWindow: Duration.Duration = Duration.days(90)

/** Quotes a value for a System Log filter expression: `"` and `\` are escaped with `\`. */
export const quote = (value: string): string => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`

/** The filter selecting the events an account took part in: `actor.id eq "ID" or target.id eq "ID"`. */
export const filterFor = (userId: string): string => `actor.id eq ${quote(userId)} or target.id eq ${quote(userId)}`

/** The query parameters of one bounded read of an account's recent events. */
export interface Query {
  readonly filter: string
  /** `now - window`, ISO 8601 (UTC, milliseconds). */
  readonly since: string
  readonly sortOrder: "DESCENDING"
  readonly limit: number
}

/** Options of {@link query}. */
export interface QueryOptions {
  readonly userId: string
  readonly window: Duration.DurationInput
  readonly now: DateTime.DateTime | Date
  /** Page size, clamped to 1..{@link maxPageSize} (default {@link maxPageSize}). */
  readonly limit?: number | undefined
}

/** The start of a window ending at `now`; a window longer than {@link maxWindow} reads as {@link maxWindow}. */
export const sinceOf = (window: Duration.DurationInput, now: DateTime.DateTime | Date): DateTime.Utc =>
  DateTime.subtractDuration(DateTime.toUtc(DateTime.unsafeMake(now)), Duration.min(Duration.decode(window), maxWindow))

/** The query parameters for an account's events in the window ending at `now`, newest first. */
export const query = (options: QueryOptions): Query => ({
  filter: filterFor(options.userId),
  since: DateTime.formatIso(sinceOf(options.window, options.now)),
  sortOrder: "DESCENDING",
  limit: options.limit === undefined || !Number.isFinite(options.limit)
    ? maxPageSize
    : Math.max(1, Math.min(maxPageSize, Math.floor(options.limit)))
})

/** {@link query} as URL search parameters (`filter`, `since`, `sortOrder`, `limit`). */
export const toSearchParams = (q: Query): URLSearchParams =>
  new URLSearchParams({ filter: q.filter, since: q.since, sortOrder: q.sortOrder, limit: String(q.limit) })
