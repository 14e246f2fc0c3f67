/**
 * Fault injection: what can go wrong with an answer (the {@link Fault} kinds), the per-route settings
 * ({@link Faults}: a script, random faults, extra latency, repeated cursors) and picking the fault of each request.
 * How each fault is sent is in `faultResponses`. Public through `Sandbox`, which documents each kind.
 *
 * @internal
 */
import { Effect, Random, Schema } from "effect"

const HttpUrl = Schema.String.pipe(
  Schema.filter((value) => /^https?:\/\/[^/?#\s]+$/.test(value), {
    message: (issue) => `${JSON.stringify(issue.actual)} is not an origin (expected http(s)://host[:port])`
  })
)

const Bytes = Schema.Int.pipe(Schema.between(1, 16 * 1024 * 1024 * 1024))

/** One injected fault; `Sandbox` documents each kind and has a constructor for it. */
export const Fault = Schema.Union(
  Schema.TaggedStruct("None", {}),
  Schema.TaggedStruct("Status", { status: Schema.Int.pipe(Schema.between(400, 599)) }),
  Schema.TaggedStruct("Latency", { duration: Schema.DurationFromMillis }),
  Schema.TaggedStruct("Reset", {}),
  Schema.TaggedStruct("MalformedJson", {}),
  Schema.TaggedStruct("Headers", {
    headers: Schema.Record({
      key: Schema.String.pipe(Schema.pattern(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/)),
      value: Schema.String
    }),
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

export const none: Fault = { _tag: "None" }

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
