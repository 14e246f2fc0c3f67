/**
 * Queries of the System Log family: `GET /api/v1/logs`. Public through `SandboxOrg`.
 *
 * @internal
 */
import { Array as Arr, Either, Option, Schema } from "effect"
import * as SandboxActivity from "../../SandboxActivity.js"
import * as SearchExpression from "../../SearchExpression.js"
import type { Org } from "./model.js"
import { type Page, paginate } from "./paging.js"
import { OktaLogEventJson } from "./seed.js"

const decodeLogEvent = Schema.decodeUnknownOption(OktaLogEventJson)

/**
 * The org with the stories of {@link SandboxActivity} added to its System Log, timestamped relative to `startedAt`
 * (the sandbox's start on its Clock), so a default 7-day window always shows them. Events stay sorted by `published`.
 *
 * @since 0.1.0
 */
export const withActivity = (org: Org, startedAt: Date): Org => {
  const stories = SandboxActivity.events(startedAt).flatMap((event) => Option.toArray(decodeLogEvent(event)))
  const logs = [...org.logs, ...stories].sort((a, b) =>
    a.published < b.published ? -1 : a.published > b.published ? 1 : 0
  )
  return { ...org, logs }
}

/**
 * Parameters of `GET /api/v1/logs`. `now` is the current time (the default `until`, and `since` defaults to 7 days
 * before `until`).
 *
 * @since 0.1.0
 */
export interface LogQuery {
  readonly filter?: string | undefined
  readonly since?: string | undefined
  readonly until?: string | undefined
  readonly after?: string | undefined
  readonly limit?: number | undefined
  readonly sortOrder?: "ASCENDING" | "DESCENDING" | undefined
  readonly now: Date
}

/**
 * A `since`/`until` that is not an ISO 8601 timestamp (Okta: 400 `E0000001`).
 *
 * @since 0.1.0
 */
export class InvalidLogQuery extends Schema.TaggedError<InvalidLogQuery>()("InvalidLogQuery", {
  parameter: Schema.String,
  value: Schema.String
}) {
  override get message(): string {
    return `Invalid value for ${this.parameter}: ${JSON.stringify(this.value)} is not an ISO 8601 timestamp`
  }
}

const isoLike = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

const parseTime = (parameter: string, value: string): Either.Either<number, InvalidLogQuery> => {
  const millis = Date.parse(value)
  return isoLike.test(value) && !Number.isNaN(millis)
    ? Either.right(millis)
    : Either.left(new InvalidLogQuery({ parameter, value }))
}

/**
 * `GET /api/v1/logs`: events with `since <= published < until` matching `filter` (case-sensitive), sorted by
 * `published`, `limit` (default 100, max 1000) per page. A bounded query (with `until`) has no `next` after its last
 * page; a polling query (without `until`) always has one, as Okta does.
 *
 * @since 0.1.0
 */
export const listLogs = (
  org: Org,
  query: LogQuery
): Either.Either<Page<OktaLogEventJson>, SearchExpression.SearchSyntaxError | InvalidLogQuery> =>
  Either.gen(function*() {
    const until = query.until === undefined ? query.now.getTime() : yield* parseTime("until", query.until)
    const since = query.since === undefined ? until - 7 * 24 * 3600 * 1000 : yield* parseTime("since", query.since)
    const expression = query.filter === undefined ? undefined : yield* SearchExpression.parse(query.filter)
    const limit = Math.min(Math.max(query.limit ?? 100, 0), 1000)
    let events = org.logs.filter((event) => {
      const published = Date.parse(event.published)
      return published >= since && published < until &&
        (expression === undefined || SearchExpression.evaluate(expression, event, { caseInsensitive: false }))
    })
    if (query.sortOrder === "DESCENDING") events = Arr.reverse(events)
    const page = paginate(events, { after: query.after, limit, key: (event) => event.uuid })
    if (query.until === undefined && Option.isNone(page.next)) {
      const last = page.items.length > 0 ? page.items[page.items.length - 1].uuid : query.after
      return { items: page.items, next: Option.some(last ?? "") }
    }
    return page
  })
