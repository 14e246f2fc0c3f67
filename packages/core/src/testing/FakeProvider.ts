/**
 * In-memory providers for tests, yours and ours: canned answers, optional failures and latency, and counters of
 * what the provider was asked.
 *
 * ```ts
 * const okta = FakeProvider.make({
 *   name: "okta",
 *   lookups: { "jsmith@example.com": FakeProvider.found({ status: "SUSPENDED" }) },
 *   latency: "200 millis"
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Indicator, IndicatorType } from "../Indicator.js"
import * as MaliceRules from "../MaliceRules.js"
import * as Provider from "../Provider.js"

/** A canned answer: a lookup, or a function of the indicator giving a lookup or an effect (which may fail or die). */
export type Answer =
  | Provider.Lookup
  | ((indicator: Indicator) => Provider.Lookup | Effect.Effect<Provider.Lookup, Provider.ProviderError>)

/** How the fake provider behaves. */
export interface Options {
  /** Its name, the key of its results. Default `"fake"`. */
  readonly name?: string | undefined
  /** The indicator types it handles. Default `["account"]`. */
  readonly indicatorTypes?: ReadonlyArray<IndicatorType> | undefined
  /** Answers by normalized indicator value; any other value is not found. */
  readonly lookups?: Readonly<Record<string, Answer>> | undefined
  /** Its malice rules. Default none (every verdict Pending). */
  readonly rules?: MaliceRules.RuleSet | undefined
  /** Every lookup fails with this error (a string becomes a `ProviderError` with that reason). */
  readonly failWith?: string | Provider.ProviderError | undefined
  /** How long each lookup takes (on Effect's `Clock`, so `TestClock` drives it). Default none. */
  readonly latency?: Duration.DurationInput | ((indicator: Indicator) => Duration.DurationInput) | undefined
  /** Found TTLs per type. Default `Provider.defaultCacheTtl` (1 hour for accounts). */
  readonly cacheTtl?: Partial<Record<IndicatorType, Duration.DurationInput>> | undefined
  /** Not-found TTL. Default `Provider.defaultNotFoundTtl` (5 minutes). */
  readonly notFoundTtl?: Duration.DurationInput | undefined
}

/** A provider with counters of what it was asked. */
export interface FakeProvider extends Provider.Provider {
  /** How many lookups were started. */
  readonly calls: Effect.Effect<number>
  /** How many lookups were started for this indicator value. */
  readonly callsFor: (value: string) => Effect.Effect<number>
  /** How many lookups are running now. */
  readonly inFlight: Effect.Effect<number>
  /** The most lookups that ran at once. */
  readonly maxInFlight: Effect.Effect<number>
  /** How many lookups were interrupted before answering. */
  readonly interrupted: Effect.Effect<number>
}

/** A found answer; `found: true` is added to the extracted fields. */
export const found = (
  extracted: Readonly<Record<string, unknown>>,
  options?: { readonly raw?: unknown; readonly warnings?: ReadonlyArray<string> | undefined }
): Provider.Found =>
  new Provider.Found({
    extracted: { found: true, ...extracted },
    raw: options?.raw ?? null,
    warnings: options?.warnings ?? []
  })

/** The "not found" answer. */
export const notFound: Provider.NotFound = new Provider.NotFound()

/** Builds a fake provider. */
export const make = (options: Options = {}): FakeProvider => {
  const name = options.name ?? "fake"
  const byValue = new Map<string, number>()
  let calls = 0
  let inFlight = 0
  let maxInFlight = 0
  let interrupted = 0

  const answer = (indicator: Indicator): Effect.Effect<Provider.Lookup, Provider.ProviderError> => {
    if (options.failWith !== undefined) {
      return Effect.fail(
        typeof options.failWith === "string"
          ? new Provider.ProviderError({ provider: name, reason: options.failWith })
          : options.failWith
      )
    }
    const canned = options.lookups !== undefined && Object.hasOwn(options.lookups, indicator.value)
      ? options.lookups[indicator.value]
      : notFound
    if (typeof canned !== "function") return Effect.succeed(canned)
    return Effect.suspend(() => {
      const out = canned(indicator)
      return Effect.isEffect(out) ? out : Effect.succeed(out)
    })
  }

  const latencyOf = (indicator: Indicator): Duration.Duration | undefined => {
    const latency = typeof options.latency === "function" ? options.latency(indicator) : options.latency
    return latency === undefined ? undefined : Duration.decode(latency)
  }

  const enrich = (indicator: Indicator): Effect.Effect<Provider.Lookup, Provider.ProviderError> =>
    Effect.suspend(() => {
      calls++
      byValue.set(indicator.value, (byValue.get(indicator.value) ?? 0) + 1)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      const latency = latencyOf(indicator)
      return (latency === undefined ? answer(indicator) : Effect.zipRight(Effect.sleep(latency), answer(indicator)))
        .pipe(
          Effect.onInterrupt(() => Effect.sync(() => interrupted++)),
          Effect.ensuring(Effect.sync(() => inFlight--))
        )
    })

  const cacheTtl: Partial<Record<IndicatorType, Duration.Duration>> = options.cacheTtl === undefined
    ? Provider.defaultCacheTtl
    : Object.fromEntries(Object.entries(options.cacheTtl).map(([type, ttl]) => [type, Duration.decode(ttl!)]))

  return {
    name,
    indicatorTypes: options.indicatorTypes ?? ["account"],
    cacheTtl,
    notFoundTtl: options.notFoundTtl === undefined ? Provider.defaultNotFoundTtl : Duration.decode(options.notFoundTtl),
    rules: options.rules ?? MaliceRules.empty,
    enrich,
    calls: Effect.sync(() => calls),
    callsFor: (value) => Effect.sync(() => byValue.get(value) ?? 0),
    inFlight: Effect.sync(() => inFlight),
    maxInFlight: Effect.sync(() => maxInFlight),
    interrupted: Effect.sync(() => interrupted)
  }
}

/** A fake provider as the service of a provider Tag: `FakeProvider.layer(OktaProvider.OktaProvider, { ... })`. */
export const layer = <I>(tag: Context.Tag<I, Provider.Provider>, options: Options = {}): Layer.Layer<I> =>
  Layer.succeed(tag, make(options))
