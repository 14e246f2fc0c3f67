/**
 * Fault injection: what can go wrong with an answer (the {@link Fault} kinds), the per-route settings
 * ({@link Faults}: a script, random faults, extra latency, repeated cursors) and picking the fault of each request.
 * How each fault is sent is in `faultResponses`. Public through `Sandbox`; each constructor documents its kind.
 *
 * @internal
 */
import { Duration, Effect, Random, Schema } from "effect"

const HttpUrl = Schema.String.pipe(
  Schema.filter((value) => /^https?:\/\/[^/?#\s]+$/.test(value), {
    message: (issue) => `${JSON.stringify(issue.actual)} is not an origin (expected http(s)://host[:port])`
  })
)

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const Bytes = Schema.Int.pipe(Schema.between(1, 16 * 1024 * 1024 * 1024))

/** One injected fault; `Sandbox` documents each kind and has a constructor for it. */
export const Fault = Schema.Union(
  Schema.TaggedStruct("None", {}),
  Schema.TaggedStruct("Status", { status: Schema.Int.pipe(Schema.between(400, 599)) }),
  Schema.TaggedStruct("Latency", { duration: Schema.DurationFromMillis }),
  Schema.TaggedStruct("Reset", {}),
  Schema.TaggedStruct("MalformedJson", {}),
  Schema.TaggedStruct("Headers", {
    headers: Schema.Record({ key: Schema.String, value: Schema.String.pipe(Schema.pattern(/^[^\r\n]*$/)) }).pipe(
      Schema.filter((headers) => Object.keys(headers).every((name) => headerName.test(name)), {
        message: () => "a header name is empty or has characters HTTP does not allow in a name"
      })
    ),
    status: Schema.optional(Schema.Int.pipe(Schema.between(200, 599)))
  }),
  Schema.TaggedStruct("DeepNesting", { depth: Schema.Int.pipe(Schema.between(1, 100_000_000)) }),
  Schema.TaggedStruct("Oversized", { bytes: Bytes }),
  Schema.TaggedStruct("GzipBomb", { inflatedBytes: Bytes }),
  Schema.TaggedStruct("SlowDrip", {
    chunkBytes: Schema.Int.pipe(Schema.between(1, 1024 * 1024)),
    interval: Schema.DurationFromMillis
  }),
  Schema.TaggedStruct("EchoAuthorization", {
    status: Schema.optionalWith(Schema.Int.pipe(Schema.between(200, 599)), { default: () => 200 })
  }),
  Schema.TaggedStruct("ResetMidBody", {}),
  Schema.TaggedStruct("Redirect", {
    origin: HttpUrl,
    status: Schema.optionalWith(Schema.Literal(301, 302, 303, 307, 308), { default: () => 302 })
  }),
  Schema.TaggedStruct("ForeignLinks", { origin: HttpUrl })
)

export type Fault = typeof Fault.Type

// Constructors: public as `Sandbox.<name>`.

/**
 * Answer normally.
 *
 * @since 0.1.0
 */
export const none: Fault = { _tag: "None" }

/**
 * Answer with this status (400-599) and Okta's error body for it.
 *
 * @since 0.1.0
 */
export const status = (status: number): Fault => ({ _tag: "Status", status })

/**
 * Wait this long (on the `Clock`) before answering.
 *
 * @since 0.1.0
 */
export const latency = (duration: Duration.DurationInput): Fault => ({
  _tag: "Latency",
  duration: Duration.decode(duration)
})

/**
 * Destroy the socket without an answer.
 *
 * @since 0.1.0
 */
export const reset: Fault = { _tag: "Reset" }

/**
 * Answer 200 with a body that is cut in half (invalid JSON).
 *
 * @since 0.1.0
 */
export const malformedJson: Fault = { _tag: "MalformedJson" }

/**
 * Override response headers (names ignore case): absurd rate-limit headers (`X-Rate-Limit-Reset: 1e308`, `NaN`,
 * `-1`, a reset a year ahead, `X-Rate-Limit-Remaining: 0` on a 200), a `Date` of 1970 or the far future. With
 * `status`, answer that status instead (Okta's error body from 300 up), e.g. a 429 with an unusable reset.
 *
 * @since 0.1.0
 */
export const headers = (
  headers: { readonly [name: string]: string },
  options: { readonly status?: number | undefined } = {}
): Fault => ({ _tag: "Headers", headers, ...(options.status === undefined ? {} : { status: options.status }) })

/**
 * Answer 200 with `depth` nested JSON arrays (`[[[...]]]`; default 200,000), which overflows a recursive parser's
 * stack.
 *
 * @since 0.1.0
 */
export const deeplyNested = (depth = 200_000): Fault => ({ _tag: "DeepNesting", depth })

/**
 * Answer with a body of about `bytes` bytes, streamed without `Content-Length`: an object gets a huge
 * `sandboxPadding` string property, a list leading whitespace. Still valid JSON of the normal answer.
 *
 * @since 0.1.0
 */
export const oversized = (bytes: number): Fault => ({ _tag: "Oversized", bytes })

/**
 * Answer with `Content-Encoding: gzip` and a body of concatenated gzip members that inflates to `inflatedBytes`
 * (default 1 GiB) of whitespace followed by the normal answer: about 1 KB on the wire per MiB inflated.
 *
 * @since 0.1.0
 */
export const gzipBomb = (inflatedBytes = 1024 * 1024 * 1024): Fault => ({ _tag: "GzipBomb", inflatedBytes })

/**
 * Send the status and headers at once, then the body `chunkBytes` (default 1) at a time, sleeping `every` (on the
 * `Clock`) before each chunk: a server that never stalls long enough for an idle timeout.
 *
 * @since 0.1.0
 */
export const slowDrip = (options: {
  readonly every: Duration.DurationInput
  readonly chunkBytes?: number | undefined
}): Fault => ({ _tag: "SlowDrip", interval: Duration.decode(options.every), chunkBytes: options.chunkBytes ?? 1 })

/**
 * Echo the request's `Authorization` header back: in an `X-Echo-Authorization` header and in the body (an
 * `authorization` property on the answer, or on every item of a list; from status 300 up, in an Okta error's
 * `errorSummary` and `errorCauses`). Proves a client never logs or prints what it receives verbatim.
 *
 * @since 0.1.0
 */
export const echoAuthorization = (options: { readonly status?: number | undefined } = {}): Fault => ({
  _tag: "EchoAuthorization",
  status: options.status ?? 200
})

/**
 * Send the status, headers (with the full `Content-Length`) and the first half of the body, then destroy the socket.
 *
 * @since 0.1.0
 */
export const resetMidBody: Fault = { _tag: "ResetMidBody" }

/**
 * Answer `status` (default 302) with `Location` set to the same path and query on `origin`
 * (`http(s)://host[:port]`), typically another origin than the sandbox's.
 *
 * @since 0.1.0
 */
export const redirect = (origin: string, options: { readonly status?: 301 | 302 | 303 | 307 | 308 } = {}): Fault => ({
  _tag: "Redirect",
  origin,
  status: options.status ?? 302
})

/**
 * Answer normally, but every `Link` URL (`self` and `next`) points at `origin` instead of the sandbox.
 *
 * @since 0.1.0
 */
export const foreignLinks = (origin: string): Fault => ({ _tag: "ForeignLinks", origin })

/** The faults of one route. */
export const Faults = Schema.Struct({
  script: Schema.optional(Schema.Array(Fault)),
  random: Schema.optional(Schema.Array(Schema.Struct({
    probability: Schema.Number.pipe(Schema.between(0, 1)),
    fault: Fault
  }))),
  latency: Schema.optional(Schema.DurationFromMillis),
  repeatNextCursor: Schema.optional(Schema.Boolean)
})

export type Faults = typeof Faults.Type

interface RouteFaultState {
  readonly faults: Faults
  position: number
}

/** The fault settings of every route, and the position in each route's script. */
export const makeSettings = (initial: { readonly [route: string]: Faults } | undefined) => {
  const settings = new Map<string, RouteFaultState>()
  const set = (route: string, faults: Faults) => void settings.set(route, { faults, position: 0 })
  for (const [route, faults] of Object.entries(initial ?? {})) set(route, faults)
  return {
    set,
    clear: () => settings.clear(),
    /** The route's own settings, else those of `"*"`. */
    forRoute: (route: string): RouteFaultState | undefined => settings.get(route) ?? settings.get("*")
  }
}

/** The next scripted fault; once the script is used up, each random fault with its probability (Effect's Random). */
export const pick = (state: RouteFaultState | undefined): Effect.Effect<Fault> => {
  if (state === undefined) return Effect.succeed(none)
  const script = state.faults.script
  if (script !== undefined && state.position < script.length) {
    return Effect.succeed(script[state.position++])
  }
  const random = state.faults.random
  if (random === undefined || random.length === 0) return Effect.succeed(none)
  return Effect.gen(function*() {
    for (const entry of random) {
      if ((yield* Random.next) < entry.probability) return entry.fault
    }
    return none
  })
}
