/**
 * One grammar for durations written by people: `--ttl account=1h`, `OKTA_CACHE_TTL=30m`, a rule's
 * `"older_than": "90d"`, an activity window of `7d` or `P7D`.
 *
 * Accepted (case-insensitive, spaces between parts allowed):
 *
 * - compact units: `500ms`, `45s`, `90m`, `1h`, `2d`, `2w`, combined as `1d12h` or `1h 30m`; decimals such as `1.5h`;
 * - words: `1 hour`, `5 minutes`, `30 seconds`, `2 days`, `1 week`, `250 millis` (also `sec`, `min`, `hr`, `wk`, ...);
 * - ISO 8601: `P7D`, `PT12H`, `P1DT12H`, `PT1H30M`, `P2W`, `PT0.5S`;
 * - `0` (only where a caller allows zero: for a cache TTL it disables caching).
 *
 * Refused, with a message listing the accepted forms: an empty text, a negative value (`-5 minutes`), a number without
 * a unit (`3600`: seconds or milliseconds?), years and months (`P1Y`, `P1M`: no fixed length), less than a
 * millisecond, anything longer than 3650 days (about 10 years; or the caller's `max`), and anything else.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Printable from "./Printable.js"

/** The accepted forms, as shown in help texts and error messages. */
export const forms = "a number and a unit (500ms, 45s, 90m, 1h, 2d, 2w, 1d12h, 1.5h, 1 hour, 5 minutes) " +
  "or ISO 8601 (PT12H, P7D)"

/** The longest duration accepted unless a caller says otherwise: 3650 days (about 10 years). */
const defaultMax: Duration.Duration = Duration.days(3650)

/** A text that is not an accepted duration. */
export class InvalidDuration extends Schema.TaggedError<InvalidDuration>()("InvalidDuration", {
  /** The text as given, quoted, escaped and cut to a printable length. */
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.input} is not a duration: ${this.reason} (expected ${forms})`
  }
}

/** Options of {@link parse} and {@link config}. */
export interface Options {
  /** Accept a duration of zero (`0`, `0s`, `PT0S`). Default `false`. */
  readonly allowZero?: boolean | undefined
  /** The longest duration accepted. Default 3650 days (about 10 years). */
  readonly max?: Duration.DurationInput | undefined
}

const second = 1_000
const minute = 60 * second
const hour = 60 * minute
const day = 24 * hour
const week = 7 * day

const unitMillis: Readonly<Record<string, number>> = {
  ms: 1,
  msec: 1,
  msecs: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: second,
  sec: second,
  secs: second,
  second,
  seconds: second,
  m: minute,
  min: minute,
  mins: minute,
  minute,
  minutes: minute,
  h: hour,
  hr: hour,
  hrs: hour,
  hour,
  hours: hour,
  d: day,
  day,
  days: day,
  w: week,
  wk: week,
  wks: week,
  week,
  weeks: week
}

const part = /\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*/y
const iso =
  /^p(?:(\d+(?:[.,]\d+)?)w)?(?:(\d+(?:[.,]\d+)?)d)?(?:t(?:(\d+(?:[.,]\d+)?)h)?(?:(\d+(?:[.,]\d+)?)m)?(?:(\d+(?:[.,]\d+)?)s)?)?$/
const isoUnits = [week, day, hour, minute, second]

type Millis = { readonly millis: number } | { readonly reason: string }

const compact = (text: string): Millis => {
  part.lastIndex = 0
  let millis = 0
  while (part.lastIndex < text.length) {
    const start = part.lastIndex
    const match = part.exec(text)
    if (match === null) {
      return /^\s*\d+(?:\.\d+)?\s*$/.test(text.slice(start))
        ? { reason: "a number needs a unit" }
        : { reason: "unrecognized form" }
    }
    const unit = unitMillis[match[2]]
    if (unit === undefined) return { reason: `unknown unit ${Printable.quote(match[2], { maxLength: 20 })}` }
    millis += Number(match[1]) * unit
  }
  return { millis }
}

const isoDuration = (text: string): Millis => {
  const match = iso.exec(text)
  if (match === null) {
    return /^p[^t]*[ym]/.test(text)
      ? { reason: "years and months have no fixed length; use weeks or days" }
      : { reason: "unrecognized form" }
  }
  const parts = match.slice(1)
  if (parts.every((value) => value === undefined) || text.endsWith("t")) {
    return { reason: "an ISO 8601 duration needs a value" }
  }
  let millis = 0
  parts.forEach((value, index) => {
    if (value !== undefined) millis += Number(value.replace(",", ".")) * isoUnits[index]
  })
  return { millis }
}

/**
 * Parses a duration written by a person (see the module comment for the forms). Pure.
 *
 * Fails with {@link InvalidDuration} saying why and listing the accepted forms.
 */
export const parse = (text: string, options?: Options): Either.Either<Duration.Duration, InvalidDuration> => {
  const fail = (reason: string) => Either.left(new InvalidDuration({ input: Printable.quote(text), reason }))
  const trimmed = text.trim().toLowerCase()
  if (trimmed === "") return fail("it is empty")
  if (trimmed.startsWith("-")) return fail("it is negative")
  if (trimmed.startsWith("+")) return fail("unrecognized form")
  const result = trimmed === "0" ? { millis: 0 } : trimmed.startsWith("p") ? isoDuration(trimmed) : compact(trimmed)
  if ("reason" in result) return fail(result.reason)
  const millis = Math.round(result.millis)
  const max = Duration.toMillis(Duration.decode(options?.max ?? defaultMax))
  if (!Number.isFinite(millis) || millis > max) {
    return fail(`it is longer than the maximum of ${Duration.format(Duration.millis(max))}`)
  }
  if (millis === 0 && result.millis > 0) return fail("it is less than a millisecond")
  if (millis === 0) return options?.allowZero === true ? Either.right(Duration.zero) : fail("it is zero")
  return Either.right(Duration.millis(millis))
}

/**
 * A duration read from configuration (`Durations.config("OKTA_CACHE_TTL")`) in the grammar of {@link parse}.
 * Fails with a `ConfigError` naming the variable, what is wrong and the accepted forms.
 */
export const config = (name: string, options?: Options): Config.Config<Duration.Duration> =>
  Config.string(name).pipe(
    Config.mapOrFail((text) =>
      Either.mapLeft(parse(text, options), (error) => ConfigError.InvalidData([], error.message))
    )
  )
