/**
 * The Enricher: asks every provider about an indicator, through the cache, and gives one result with the worst
 * verdict. It never fails: a provider that cannot answer gets a `failed` result and the others still answer.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as MetricLabel from "effect/MetricLabel"
import * as Stream from "effect/Stream"
import * as EnrichmentCache from "./EnrichmentCache.js"
import * as EnrichmentMetrics from "./EnrichmentMetrics.js"
import type { EnrichmentResult } from "./EnrichmentResult.js"
import * as Indicator from "./Indicator.js"
import * as internal from "./internal/enrichAll.js"
import * as MaliceRules from "./MaliceRules.js"
import * as Provider from "./Provider.js"
import * as ProviderResult from "./ProviderResult.js"
import * as Verdict from "./Verdict.js"

/** Options of the Enricher. */
export interface Options {
  /** Put each provider's raw responses in its result (`raw`). Default false: they can be large. */
  readonly includeRaw?: boolean | undefined
}

/**
 * An item of {@link Service.enrichAll}: an indicator, or the error an input line gave when it was decoded. Errors
 * become failed records in place (see {@link Service.invalid}), so one bad line never stops a batch. Build items
 * with `Either.merge(Indicator.validate("account", line))`.
 */
export type Input = Indicator.Indicator | Indicator.InvalidIndicator

/** Options of {@link Service.enrichAll}. */
export interface EnrichAllOptions {
  /** How many indicators are enriched at once. Default {@link defaultConcurrency}. */
  readonly concurrency?: number | undefined
  /**
   * A graceful stop (e.g. Ctrl-C): when this effect completes, no more input is pulled, the enrichments in flight
   * are interrupted and dropped, every result that had finished is still emitted in input order, and the stream
   * ends normally. It runs in the background from the first pull; an effect that never completes never stops.
   */
  readonly stopWhen?: Effect.Effect<unknown> | undefined
  /**
   * Told about every indicator dropped by a stop (`stopWhen`): taken from the input, but its enrichment was
   * interrupted or never started, so it has no result. Count them to say how much work was abandoned.
   */
  readonly onAbandoned?: ((indicator: Indicator.Indicator) => Effect.Effect<void>) | undefined
}

/** The default number of indicators {@link Service.enrichAll} enriches at once. */
export const defaultConcurrency = 8

/** The Enricher service. */
export interface Service {
  /** The providers asked, in the order their results appear. */
  readonly providers: ReadonlyArray<Provider.Provider>
  /**
   * Enriches one indicator (normalizing it first): every provider that handles its type is asked concurrently,
   * others are `skipped`. Never fails: a provider error, or a crash (logged), gives that provider a `failed` result.
   */
  readonly enrich: (indicator: Indicator.Indicator) => Effect.Effect<EnrichmentResult>
  /**
   * Enriches a stream of indicators, `concurrency` at a time, emitting results in input order. Memory stays bounded
   * by the concurrency (about 2 x concurrency inputs held, plus answers from a cache held in process, which are
   * given at once and passed on in batches of up to 64), whatever the length of the stream. Invalid inputs become
   * failed records in place. `stopWhen` ends it gracefully (see {@link EnrichAllOptions}); interrupting its consumer
   * interrupts every enrichment in flight. Fails only with the input's errors.
   */
  readonly enrichAll: <E, R>(
    inputs: Stream.Stream<Input, E, R>,
    options?: EnrichAllOptions
  ) => Stream.Stream<EnrichmentResult, E, R>
  /**
   * The record of an input that is not a valid indicator: `verdict: "Pending"`, `error` with the reason, and a
   * `failed` result with the same message for every provider.
   */
  readonly invalid: (error: Indicator.InvalidIndicator) => EnrichmentResult
}

/** The Enricher. Requires an {@link EnrichmentCache.EnrichmentCache} (memory, none, or a shared store). */
export class Enricher extends Context.Tag("@enrich/core/Enricher")<Enricher, Service>() {}

/** The message of a provider that crashed; the defect itself goes to the log, where it can be investigated. */
const crashMessage = (provider: Provider.Provider): string =>
  `the ${provider.name} provider failed unexpectedly (an internal error, not an answer from ${provider.name}); ` +
  `see the error log for details`

/**
 * Builds the record of an invalid input for the given providers: see {@link Service.invalid}.
 */
export const invalid = (
  providers: ReadonlyArray<Provider.Provider>,
  error: Indicator.InvalidIndicator
): EnrichmentResult => ({
  indicator: { type: error.type, value: error.value },
  verdict: "Pending",
  enrichment: Object.fromEntries(providers.map((provider) => [provider.name, ProviderResult.failed(error.message)])),
  error: error.message
})

/**
 * Builds an Enricher over the given providers. Dies when two providers share a name (their results would collide).
 */
export const make = (
  providers: ReadonlyArray<Provider.Provider>,
  options?: Options
): Effect.Effect<Service, never, EnrichmentCache.EnrichmentCache> =>
  Effect.gen(function*() {
    const names = providers.map((provider) => provider.name)
    const duplicate = names.find((name, i) => names.indexOf(name) !== i)
    if (duplicate !== undefined) {
      return yield* Effect.dieMessage(`Enricher: two providers are named "${duplicate}"; names must be unique`)
    }
    const cache = yield* EnrichmentCache.EnrichmentCache
    const includeRaw = options?.includeRaw ?? false

    const toResult = (provider: Provider.Provider, entry: EnrichmentCache.Entry, hit: boolean, now: number) => {
      const { enriched_at, lookup } = entry
      // Rules run after the cache, so new rules apply to cached answers without a flush.
      const found = lookup._tag === "Found"
      const rules = provider.rules
      // Without rules a default applies: what `evaluate` answers then, without the call on every hit.
      const { matchedRule, verdict } = rules.rules.length === 0
        ? (found
          ? { matchedRule: null, verdict: rules.defaultVerdict }
          : { matchedRule: null, verdict: rules.notFoundVerdict })
        : MaliceRules.evaluate(rules, lookup, now)
      const result: {
        -readonly [K in keyof ProviderResult.ProviderResult]: ProviderResult.ProviderResult[K]
      } = {
        status: "success",
        success: true,
        extracted: found ? lookup.extracted : { found: false },
        enriched_at,
        cache_hit: hit,
        verdict,
        matched_rule: matchedRule,
        error_message: null
      }
      // Added after the others, in the product page's order: no temporary objects on the hit path.
      if (found && lookup.isPartial) result.warnings = lookup.warnings
      if (includeRaw) result.raw = found ? lookup.raw : null
      return result
    }

    // A hit, answered synchronously: the entry read from the cache becomes the provider's result.
    const labelsOf = providers.map((provider) => EnrichmentMetrics.providerLabels(provider.name))
    const hitResult = (i: number, entry: EnrichmentCache.Entry, now: number) => {
      EnrichmentMetrics.cacheHits.unsafeUpdate(1, labelsOf[i])
      return toResult(providers[i], entry, true, now)
    }

    // Label arrays built once per provider: a metric finds its series by the array's identity (a new array per update
    // made a new metric key, hashed and looked up, on every miss).
    const metricLabels = new Map(providers.map((provider) => {
      const labels = EnrichmentMetrics.providerLabels(provider.name)
      const outcome = (value: string) => [...labels, MetricLabel.make("enrich.outcome", value)]
      return [provider, { labels, outcomeLabels: { found: outcome("found"), notFound: outcome("not_found") } }]
    }))
    const metricLabelsOf = (provider: Provider.Provider) => metricLabels.get(provider)!

    const ask = (
      provider: Provider.Provider,
      indicator: Indicator.Indicator,
      key: string
    ): Effect.Effect<ProviderResult.ProviderResult> => {
      // Suspended: a provider that throws while building its effect is a crash like any other, caught below.
      const { labels, outcomeLabels } = metricLabelsOf(provider)
      const compute = Effect.clockWith((clock) => {
        const started = clock.unsafeCurrentTimeMillis()
        EnrichmentMetrics.cacheMisses.unsafeUpdate(1, labels)
        return Effect.flatMap(Effect.suspend(() => provider.enrich(indicator)), (lookup) => {
          const now = clock.unsafeCurrentTimeMillis()
          EnrichmentMetrics.lookupDuration.unsafeUpdate(
            (now - started) / 1000,
            lookup._tag === "Found" ? outcomeLabels.found : outcomeLabels.notFound
          )
          return Effect.succeed<EnrichmentCache.Entry>({
            lookup,
            // Seconds, like the product page's example (`2025-01-15T10:30:06Z`).
            enriched_at: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z")
          })
        })
      })
      return cache.getOrCompute(key, compute, (entry) => Provider.ttlOf(provider, indicator.type, entry.lookup)).pipe(
        Effect.matchCauseEffect({
          // One step on a hit: the clock is read synchronously (rules that compare dates need `now`).
          onSuccess: (outcome) =>
            Effect.clockWith((clock) => {
              if (outcome.hit) EnrichmentMetrics.cacheHits.unsafeUpdate(1, labels)
              return Effect.succeed(toResult(provider, outcome.value, outcome.hit, clock.unsafeCurrentTimeMillis()))
            }),
          onFailure: (cause) => {
            if (Cause.isInterruptedOnly(cause)) return Effect.failCause(Cause.stripFailures(cause))
            const failure = Cause.failureOption(cause)
            if (failure._tag === "Some") return Effect.succeed(ProviderResult.failed(failure.value.message))
            return Effect.logError(`the ${provider.name} provider crashed`, cause).pipe(
              Effect.annotateLogs({ provider: provider.name, indicator_type: indicator.type }),
              Effect.as(ProviderResult.failed(crashMessage(provider)))
            )
          }
        })
      )
    }

    const record = (
      indicator: Indicator.Indicator,
      results: ReadonlyArray<ProviderResult.ProviderResult>
    ): EnrichmentResult => {
      const enrichment: Record<string, ProviderResult.ProviderResult> = {}
      for (let i = 0; i < results.length; i++) enrichment[providers[i].name] = results[i]
      const verdict = Verdict.worst(results.map((result) => result.verdict))
      return { indicator: { type: indicator.type, value: indicator.value }, verdict, enrichment }
    }

    /**
     * What a normalized indicator needs on every lookup, worked out once: its cache key per provider, and the effect
     * that enriches it (built on the first `enrich` of this indicator object, then reused: a hot account's lookups
     * allocate no effect of their own).
     */
    interface Known {
      readonly _tag: "Known"
      readonly indicator: Indicator.Indicator
      /** The cache key per provider; `undefined` for a provider that does not handle the type. */
      readonly keys: ReadonlyArray<string | undefined>
      effect: Effect.Effect<EnrichmentResult> | undefined
    }

    // Indicators already validated (their answer cannot change), with their cache keys (a key is a string built per
    // provider). A new indicator object is normalized without building another (a Schema class instance is the largest
    // cost of a first lookup) unless normalizing changes its value; a type outside the union still goes through
    // `Indicator.validate`, whose constructor rejects it as before.
    const known = new WeakMap<Indicator.Indicator, Known | Indicator.InvalidIndicator>()

    const normalized = (
      indicator: Indicator.Indicator
    ): Either.Either<Indicator.Indicator, Indicator.InvalidIndicator> =>
      Indicator.isIndicatorType(indicator.type)
        ? Either.map(
          Indicator.normalize(indicator.type, indicator.value),
          (value) => value === indicator.value ? indicator : new Indicator.Indicator({ type: indicator.type, value })
        )
        : Indicator.validate(indicator.type, indicator.value)

    const knowOf = (indicator: Indicator.Indicator): Known | Indicator.InvalidIndicator => {
      let found = known.get(indicator)
      if (found === undefined) {
        found = Either.match(normalized(indicator), {
          onLeft: (error): Known | Indicator.InvalidIndicator => error,
          onRight: (same): Known => {
            return {
              _tag: "Known",
              indicator: same,
              keys: providers.map((provider) =>
                Provider.supports(provider, same.type) ? EnrichmentCache.key(provider, same) : undefined
              ),
              effect: undefined
            }
          }
        })
        known.set(indicator, found)
      }
      return found
    }

    const unsafeGet = cache.unsafeGet

    /**
     * The result of a valid indicator at `now` when it can be given at once (every provider answered from a cache held
     * in this process, or skipped), or else the effect that gives it (reusing the answers already read).
     */
    const answerNow = (know: Known, now: number): EnrichmentResult | internal.Later => {
      const { indicator, keys } = know
      const results: Array<ProviderResult.ProviderResult | undefined> = new Array(providers.length)
      let missing = 0
      for (let i = 0; i < providers.length; i++) {
        const provider = providers[i]
        const key = keys[i]
        if (key === undefined) {
          results[i] = ProviderResult.skipped(
            `the ${provider.name} provider does not handle ${indicator.type} indicators`
          )
          continue
        }
        const entry = unsafeGet === undefined ? undefined : unsafeGet(key, now)
        if (entry === undefined) missing++
        else results[i] = hitResult(i, entry, now)
      }
      if (missing === 0) return record(indicator, results as Array<ProviderResult.ProviderResult>)
      const answer = (i: number) => {
        const ready = results[i]
        return ready === undefined ? ask(providers[i], indicator, keys[i] as string) : Effect.succeed(ready)
      }
      // Forking costs time; a single missing answer has nothing to run alongside.
      return new internal.Later(
        missing === 1 && providers.length === 1
          ? Effect.map(answer(0), (result) => record(indicator, [result]))
          : Effect.map(
            Effect.forEach(providers, (_, i) => answer(i), { concurrency: "unbounded" }),
            (results) => record(indicator, results)
          )
      )
    }

    /** {@link answerNow} for any input: an invalid one is answered at once with its failed record. */
    const enrichNow = (input: Indicator.Indicator, now: number): EnrichmentResult | internal.Later => {
      const know = knowOf(input)
      return know._tag === "InvalidIndicator" ? invalid(providers, know) : answerNow(know, now)
    }

    // Two runtime steps on a hit (the clock read, the result), nothing forked, and nothing allocated but the result.
    // The effect is built once per indicator object; validation and keys are worked out when it is first built.
    const enrich = (input: Indicator.Indicator): Effect.Effect<EnrichmentResult> => {
      const know = knowOf(input)
      if (know._tag === "InvalidIndicator") return Effect.sync(() => invalid(providers, know))
      if (know.effect === undefined) {
        know.effect = Effect.clockWith((clock) => {
          const answer = answerNow(know, clock.unsafeCurrentTimeMillis())
          return answer instanceof internal.Later ? answer.effect : Effect.succeed(answer)
        })
      }
      return know.effect
    }

    return Enricher.of({
      providers,
      enrich,
      enrichAll: (inputs, options) =>
        internal.enrichAll(inputs, {
          concurrency: Math.max(1, Math.floor(options?.concurrency ?? defaultConcurrency)),
          enrichNow,
          invalid: (error) => invalid(providers, error),
          stopWhen: options?.stopWhen,
          onAbandoned: options?.onAbandoned
        }),
      invalid: (error) => invalid(providers, error)
    })
  })

/** An Enricher over plain provider values. */
export const layerProviders = (
  providers: ReadonlyArray<Provider.Provider>,
  options?: Options
): Layer.Layer<Enricher, never, EnrichmentCache.EnrichmentCache> => Layer.effect(Enricher, make(providers, options))

/**
 * An Enricher over providers given as services, with options: `Enricher.layerWith({ includeRaw: true },
 * OktaProvider.OktaProvider)`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Tag identifier, as Effect's own Tag constraints
export const layerWith = <const Tags extends ReadonlyArray<Context.Tag<any, Provider.Provider>>>(
  options: Options,
  ...tags: Tags
): Layer.Layer<Enricher, never, EnrichmentCache.EnrichmentCache | Context.Tag.Identifier<Tags[number]>> =>
  Layer.effect(
    Enricher,
    Effect.flatMap(
      Effect.forEach(tags, (tag) => tag) as Effect.Effect<
        ReadonlyArray<Provider.Provider>,
        never,
        Context.Tag.Identifier<Tags[number]>
      >,
      (providers) => make(providers, options)
    )
  )

/** An Enricher over providers given as services: `Enricher.layer(OktaProvider.OktaProvider)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Tag identifier, as Effect's own Tag constraints
export const layer = <const Tags extends ReadonlyArray<Context.Tag<any, Provider.Provider>>>(
  ...tags: Tags
): Layer.Layer<Enricher, never, EnrichmentCache.EnrichmentCache | Context.Tag.Identifier<Tags[number]>> =>
  layerWith({}, ...tags)
