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
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

// -----------------------------------------------------------------------------
// schema
// -----------------------------------------------------------------------------

/**
 * A field that decodes to its value when it has the right shape and to `undefined` otherwise (absent, `null`, wrong
 * type). Encoding gives the decoded value back.
 */
const lenient = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optional(
    Schema.transform(Schema.Unknown, Schema.UndefinedOr(Schema.typeSchema(schema)), {
      strict: true,
      decode: (input) => Option.getOrUndefined(Schema.decodeUnknownOption(schema)(input)),
      encode: (value) => value
    })
  )

/** Okta's longest documented string (`outcome.reason`) is 255; anything far longer is cut so hostile input stays small. */
export const maxStringLength = 1024

const Text = Schema.String.pipe(
  Schema.transform(Schema.String, {
    strict: true,
    decode: (s) => (s.length > maxStringLength ? s.slice(0, maxStringLength) : s),
    encode: (s) => s
  })
)

/** `actor` and each `target[]` entry: who did it, to what. */
export const LogEntity = Schema.Struct({
  id: lenient(Text),
  type: lenient(Text),
  alternateId: lenient(Text),
  displayName: lenient(Text)
})
export type LogEntity = typeof LogEntity.Type

/** `client.geographicalContext` (also in `request.ipChain[]`). */
export const LogGeographicalContext = Schema.Struct({
  city: lenient(Text),
  state: lenient(Text),
  country: lenient(Text),
  geolocation: lenient(Schema.Struct({ lat: lenient(Schema.Finite), lon: lenient(Schema.Finite) }))
})
export type LogGeographicalContext = typeof LogGeographicalContext.Type

/** `client`: where the request came from. */
export const LogClient = Schema.Struct({
  id: lenient(Text),
  ipAddress: lenient(Text),
  device: lenient(Text),
  zone: lenient(Text),
  userAgent: lenient(Schema.Struct({ rawUserAgent: lenient(Text), os: lenient(Text), browser: lenient(Text) })),
  geographicalContext: lenient(LogGeographicalContext)
})
export type LogClient = typeof LogClient.Type

/** `securityContext.risk` (newer orgs; older ones put the risk in `debugContext.debugData.risk` as text). */
export const LogRisk = Schema.Struct({
  level: lenient(Text),
  reasons: lenient(Schema.Array(Schema.Unknown)),
  detectionName: lenient(Text)
})

/** `securityContext.userBehaviors[]` (newer orgs; older ones use `debugContext.debugData.behaviors` as text). */
export const LogUserBehavior = Schema.Struct({ id: lenient(Text), name: lenient(Text), result: lenient(Text) })

/** `securityContext`: what Okta knows about the IP address, and its risk/behaviour verdicts. */
export const LogSecurityContext = Schema.Struct({
  asNumber: lenient(Schema.Finite),
  asOrg: lenient(Text),
  isp: lenient(Text),
  domain: lenient(Text),
  isProxy: lenient(Schema.Boolean),
  risk: lenient(LogRisk),
  userBehaviors: lenient(Schema.Array(Schema.Unknown)),
  ipDetails: lenient(Schema.Struct({
    ipServiceCategories: lenient(Schema.Array(Schema.Unknown))
  }))
})
export type LogSecurityContext = typeof LogSecurityContext.Type

/**
 * One System Log event: the fields enrich reads. `debugContext.debugData` is a free-form map in Okta's spec and stays
 * one (`Record<string, unknown>`).
 */
export const LogEvent = Schema.Struct({
  uuid: lenient(Text),
  published: lenient(Text),
  eventType: lenient(Text),
  displayMessage: lenient(Text),
  severity: lenient(Text),
  outcome: lenient(Schema.Struct({ result: lenient(Text), reason: lenient(Text) })),
  actor: lenient(LogEntity),
  target: lenient(Schema.Array(Schema.Unknown)),
  client: lenient(LogClient),
  securityContext: lenient(LogSecurityContext),
  debugContext: lenient(Schema.Struct({ debugData: lenient(Schema.Record({ key: Schema.String, value: Schema.Unknown })) })),
  authenticationContext: lenient(Schema.Struct({
    externalSessionId: lenient(Text),
    rootSessionId: lenient(Text)
  })),
  transaction: lenient(Schema.Struct({ id: lenient(Text), type: lenient(Text) }))
})

/** One System Log event, decoded. */
export type LogEvent = typeof LogEvent.Type

/** The readable entries of `target[]` (entries that are not objects are dropped). */
export const targets = (event: LogEvent): ReadonlyArray<LogEntity> =>
  (event.target ?? []).flatMap((entry) => Option.toArray(Schema.decodeUnknownOption(LogEntity)(entry)))

/** The events of a page, and how many elements were not objects (counted, never fatal). */
export interface Decoded {
  readonly events: ReadonlyArray<LogEvent>
  readonly unreadable: number
}

/** Decodes a page (or several) of System Log events. Never fails: non-object elements are counted in `unreadable`. */
export const decodeEvents = (input: ReadonlyArray<unknown>): Decoded => {
  const decode = Schema.decodeUnknownOption(LogEvent)
  const events: Array<LogEvent> = []
  let unreadable = 0
  for (const element of input) {
    const event = element !== null && typeof element === "object" && !Array.isArray(element)
      ? decode(element)
      : Option.none()
    if (Option.isSome(event)) events.push(event.value)
    else unreadable++
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
