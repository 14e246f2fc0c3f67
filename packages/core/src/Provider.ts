/**
 * The contract every enrichment source (Okta today) implements, and what it answers.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Indicator, IndicatorType } from "./Indicator.js"
import type * as MaliceRules from "./MaliceRules.js"

/** A provider found the indicator: the fields it extracted and the raw responses they came from. */
export class Found extends Schema.TaggedClass<Found>()("Found", {
  /** The provider's extracted fields (snake_case), always with `found: true`. */
  extracted: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** The raw responses the fields were extracted from (`raw.` paths in rules look here). */
  raw: Schema.Unknown,
  /** What could not be fetched. A result with warnings is partial: it is returned but never cached. */
  warnings: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}) {
  /** A partial result (some related data failed) is returned but never cached. */
  get isPartial(): boolean {
    return this.warnings.length > 0
  }
}

/** The provider looked and the indicator does not exist there. */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", {}) {}

/** What a provider answers for an indicator it handles. */
export const Lookup = Schema.Union(Found, NotFound)

/** What a provider answers for an indicator it handles. */
export type Lookup = Found | NotFound

/** A provider could not answer. The message says why, in words a person can act on, and carries no secret. */
export class ProviderError extends Schema.TaggedError<ProviderError>()("ProviderError", {
  provider: Schema.String,
  reason: Schema.String,
  /** The provider's own typed error, for callers that want the details. */
  cause: Schema.optional(Schema.Unknown)
}) {
  override get message(): string {
    return this.reason
  }
}

/** A provider of enrichments for some indicator types. */
export interface Provider {
  /** Short name, the key of its result in `enrichment` (`okta`). */
  readonly name: string
  /** The indicator types it handles; others get a `skipped` result. */
  readonly indicatorTypes: ReadonlyArray<IndicatorType>
  /** How long a found result stays cached, per indicator type. */
  readonly cacheTtl: Partial<Record<IndicatorType, Duration.Duration>>
  /** How long a "not found" stays cached. */
  readonly notFoundTtl: Duration.Duration
  /** The malice rules that turn its results into verdicts. */
  readonly rules: MaliceRules.RuleSet
  /** Looks an indicator up. Fails only when the provider could not answer. */
  readonly enrich: (indicator: Indicator) => Effect.Effect<Lookup, ProviderError>
}

/** The default TTL of a found result: 1 hour for accounts, as on the product page. */
export const defaultCacheTtl: Partial<Record<IndicatorType, Duration.Duration>> = {
  account: Duration.hours(1)
}

/** The default TTL of a "not found": 5 minutes, so a new hire shows up soon. */
export const defaultNotFoundTtl: Duration.Duration = Duration.minutes(5)

/** Returns true when the provider handles indicators of this type. */
export const supports = (provider: Provider, type: IndicatorType): boolean => provider.indicatorTypes.includes(type)

/** How long a lookup may stay cached; zero for partial results, which are never cached. */
export const ttlOf = (provider: Provider, type: IndicatorType, lookup: Lookup): Duration.Duration => {
  if (lookup._tag === "NotFound") return provider.notFoundTtl
  if (lookup.isPartial) return Duration.zero
  return provider.cacheTtl[type] ?? defaultCacheTtl.account ?? Duration.hours(1)
}

/** The same provider with other malice rules. */
export const withRules = (provider: Provider, rules: MaliceRules.RuleSet): Provider => ({ ...provider, rules })
