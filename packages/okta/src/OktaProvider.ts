// Over 350 lines on purpose: one lookup flow (match the account, read what is related, extract, choose TTLs); its parts
// live in internal/extract and internal/activity.
/**
 * The Okta account provider: identity context (status, groups, MFA, admin roles) for `account` indicators, read
 * through the {@link OktaClient.OktaClient} with as few round trips as the indicator allows.
 *
 * @since 0.1.0
 */
import * as Durations from "@enrich/core/Durations"
import * as Indicator from "@enrich/core/Indicator"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Provider from "@enrich/core/Provider"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Activity from "./internal/activity.js"
import * as internal from "./internal/extract.js"
import * as OktaClient from "./OktaClient.js"
import { type OktaError, OktaForbidden } from "./OktaError.js"
import * as OktaLogEvent from "./OktaLogEvent.js"
import type { OktaUser } from "./OktaResources.js"

/** The OAuth scope of `is_admin` and `admin_roles` (a user's roles). */
export const rolesScope = "okta.roles.read"

/** The scope `recent_activity` needs: without it, it is null with a warning and the System Log is not asked. */
export const logsScope = "okta.logs.read"

/** The provider's name: the key of its result in an enrichment (`okta`). */
export const name = "okta"

/** The Okta account provider, as a core `Provider`. */
export class OktaProvider extends Context.Tag("@enrich/okta/OktaProvider")<OktaProvider, Provider.Provider>() {}

/** How the provider is configured. Everything has a default. */
export interface Options {
  /** The malice rules for its results. Default: none, every lookup is `Pending` (the product page). */
  readonly rules?: MaliceRules.RuleSet | undefined
  /** How long a complete found account stays cached. Default: 1 hour. */
  readonly cacheTtl?: Duration.DurationInput | undefined
  /** How long a "not found" stays cached. Default: 5 minutes. */
  readonly notFoundTtl?: Duration.DurationInput | undefined
  /**
   * Recent activity from the System Log (`extracted.recent_activity`). Default: off (no log request is made).
   * Needs the `okta.logs.read` scope.
   */
  readonly activity?: ActivityOptions | undefined
  /**
   * Whether a found account keeps Okta's raw responses (`raw`: the user, groups, factors, roles and System Log events
   * as Okta sent them), which are most of a cached lookup's memory and of a big account's heap:
   * - `"auto"` (default): only when a malice rule reads a `raw.` field ({@link MaliceRules.readsRaw}); otherwise
   *   `raw` is `null` and group pages are read keeping only what extraction uses;
   * - `"always"`: always. Set it when the raw responses are shown (the Enricher's `includeRaw`, the CLI's
   *   `--include-raw`) or when other processes, which may show them or run rules on them, read the same cache (Redis);
   * - `"never"`: never, even for rules on `raw.` fields (which then never match; a warning says so when the provider
   *   is built).
   */
  readonly keepRaw?: KeepRaw | undefined
}

/** Whether a found account keeps Okta's raw responses: see {@link Options.keepRaw}. */
export type KeepRaw = "auto" | "always" | "never"

/** Options of the recent activity read. */
export interface ActivityOptions {
  /** How far back to read: at most 90 days (Okta's retention). */
  readonly window: Duration.DurationInput
  /** At most this many events per account (default 1,000: one page). */
  readonly maxEvents?: number | undefined
  /** How long a lookup with activity stays cached (default {@link defaultActivityTtl}). */
  readonly ttl?: Duration.DurationInput | undefined
}

/** The window of `--activity` given without a value, and of `ENRICH_OKTA_ACTIVITY=on`: 7 days. */
export const defaultActivityWindow: Duration.Duration = Duration.days(7)

/** The longest activity window: 90 days, Okta's System Log retention. */
export const maxActivityWindow: Duration.Duration = OktaLogEvent.maxWindow

/** How long a lookup with activity stays cached by default: 5 minutes (activity goes stale faster than identity). */
export const defaultActivityTtl: Duration.Duration = Duration.minutes(5)

/**
 * Returns true when the value is an Okta user id (`00u` and 17 letters or digits), which is fetched by id: its groups,
 * factors and roles are then requested together with the user.
 */
export const isUserId: (value: string) => boolean = internal.isUserId

/**
 * Okta's factor type in the provider's vocabulary: `token:software:totp` → `totp`, `token:hotp` → `hotp`,
 * `signed_nonce` → `fastpass`, `token:hardware` → `hardware_token`; unknown types are kept as they are.
 */
export const normalizeFactorType: (factorType: string) => string = internal.normalizeFactorType

// Built once: the span's attributes are the same for every account, and its call site (always this module) is not
// captured, which would allocate an Error per lookup.
const spanOf = (type: string) => ({ attributes: { "enrich.indicator.type": type }, captureStackTrace: false })
const accountSpan = spanOf("account")

/** The related reads of a user, with its System Log read when activity is on. */
interface Related extends internal.Related {
  readonly activity?: Activity.ActivityRead
}

type Resolution =
  | { readonly _tag: "User"; readonly user: OktaUser; readonly related?: Related }
  | { readonly _tag: "NotFound" }

/** How many candidate ids an "ambiguous" error names: enough to look into, never a 100 KB message. */
const maxNamedIds = 5

const namedIds = (ids: ReadonlyArray<string>): string =>
  ids.length <= maxNamedIds
    ? ids.join(", ")
    : `${ids.slice(0, maxNamedIds).join(", ")} and ${ids.length - maxNamedIds} more`

const fetched = <A, R>(effect: Effect.Effect<A, OktaError, R>): Effect.Effect<internal.Fetched<A>, never, R> =>
  Effect.match(effect, {
    onFailure: (error) => ({ _tag: "Failed", error }),
    onSuccess: (value) => ({ _tag: "Fetched", value })
  })

// The cause is the Okta error itself, not the span-annotated proxy Effect wraps failures in.
const providerError = (error: OktaError) =>
  new Provider.ProviderError({ provider: name, reason: error.message, cause: Cause.originalError(error) })

/**
 * Builds the provider from the Okta client.
 *
 * Matching, with the fewest calls:
 * - an Okta user id: the user, its groups, factors and roles are requested at once (one round trip);
 * - anything else is fetched as a login (Okta resolves logins and unambiguous short names, ignoring case), then the
 *   groups, factors and roles concurrently (two round trips);
 * - when that login is unknown and the value is email-shaped, users are searched by `profile.email` (which finds
 *   DEPROVISIONED users too): one match is the user, several fail with the candidate ids, none is `NotFound`.
 *
 * `enrich` fails with `ProviderError` when the user itself cannot be read (its message is the Okta error's, the Okta
 * error is the `cause`) or the email is ambiguous. Groups, factors or roles that cannot be read make the result
 * partial: their fields are `null` and `warnings` says why.
 *
 * With `activity`, the account's System Log events in the window are read alongside groups, factors and roles (no
 * extra round trip) and summarized as `recent_activity` (`RecentActivity`); a System Log that cannot be read (no
 * `okta.logs.read`: 403) gives `recent_activity: null` and a warning, never a failed lookup. Such a lookup is cached
 * for the activity TTL, while the identity part stays in the provider for `cacheTtl`: the refresh reads the log only.
 */
export const make = (options: Options = {}): Effect.Effect<Provider.Provider, never, OktaClient.OktaClient> =>
  Effect.gen(function*() {
    const client = yield* OktaClient.OktaClient
    const identityTtl = Duration.decode(options.cacheTtl ?? Provider.defaultCacheTtl.account ?? Duration.hours(1))
    const activity: Activity.Settings | undefined = options.activity === undefined ? undefined : {
      window: Duration.min(Duration.decode(options.activity.window), maxActivityWindow),
      maxEvents: options.activity.maxEvents,
      ttl: Duration.decode(options.activity.ttl ?? defaultActivityTtl)
    }
    const identities = activity === undefined ? undefined : Activity.makeIdentityCache(identityTtl)
    const rules = options.rules ?? MaliceRules.empty
    const rulesReadRaw = MaliceRules.readsRaw(rules)
    const keepRaw = options.keepRaw === "always" || (options.keepRaw !== "never" && rulesReadRaw)
    if (options.keepRaw === "never" && rulesReadRaw) {
      yield* Effect.logWarning(
        "OktaProvider: keepRaw is \"never\" but a malice rule reads a raw. field; that rule will never match"
      )
    }
    // Without raw, each page of groups is reduced to what extraction reads as it arrives: memory stays flat in the
    // number of pages.
    const listUserGroups = keepRaw
      ? client.listUserGroups
      : (userId: string) => client.listUserGroups(userId, { keepRaw: false })

    // A scope the credentials lack (OAuth: not granted, or refused once with 403 insufficient_scope) is not asked for
    // again: the fields that need it are null, with a warning naming the scope.
    const hasScope = client.hasScope ?? (() => Effect.succeed(true))
    const scoped = <A>(scope: string, operation: string, effect: Effect.Effect<A, OktaError>) =>
      Effect.flatMap(hasScope(scope), (granted) =>
        granted
          ? fetched(effect)
          : Effect.succeed<internal.Fetched<A>>({
            _tag: "Failed",
            error: new OktaForbidden({ operation, missingScope: scope })
          }))

    const readActivity = (settings: Activity.Settings, userId: string): Effect.Effect<Activity.ActivityRead> => {
      const list = client.listLogEvents
      if (list === undefined) {
        return Effect.succeed({ _tag: "Failed", reason: "this Okta client cannot read the System Log" })
      }
      const read = Effect.match(list(userId, { window: settings.window, maxEvents: settings.maxEvents }), {
        onFailure: (error): Activity.ActivityRead => ({ _tag: "Failed", reason: Activity.failureReason(error) }),
        onSuccess: (listing): Activity.ActivityRead => ({ _tag: "Fetched", listing })
      })
      return Effect.flatMap(hasScope(logsScope), (granted) =>
        granted
          ? read
          : Effect.succeed<Activity.ActivityRead>({
            _tag: "Failed",
            reason: Activity.failureReason(
              new OktaForbidden({ operation: "GET /api/v1/logs", missingScope: logsScope })
            )
          }))
    }

    // Groups, factors, roles and (with activity on) the System Log need only the user's id: all at once.
    const reads = (userId: string) => ({
      groups: fetched(listUserGroups(userId)),
      factors: fetched(client.listFactors(userId)),
      roles: scoped(rolesScope, "GET /api/v1/users/{id}/roles", client.listRoles(userId))
    })
    const related = (userId: string): Effect.Effect<Related> =>
      activity === undefined
        ? Effect.all(reads(userId), { concurrency: "unbounded" })
        : Effect.all({ ...reads(userId), activity: readActivity(activity, userId) }, { concurrency: "unbounded" })

    const orNotFound = <A>(
      effect: Effect.Effect<A, OktaError>
    ): Effect.Effect<Either.Either<A, "NotFound">, Provider.ProviderError> =>
      effect.pipe(
        Effect.map(Either.right),
        Effect.catchAll((error) =>
          error._tag === "OktaNotFound"
            ? Effect.succeed(Either.left("NotFound" as const))
            : Effect.fail(providerError(error))
        )
      )

    // By id: the related requests need only the id, so they go together with the user's, all forked by one
    // `Effect.all` (not the user beside a nested `Effect.all` of the others: a fiber and a scheduler hop more before
    // they start). If the user fails, the others are interrupted and their outcome (404s, most likely) does not matter.
    const byId = (userId: string): Effect.Effect<Resolution, Provider.ProviderError> => {
      const user = client.getUser(userId)
      const all: Effect.Effect<Related & { readonly user: OktaUser }, OktaError> = activity === undefined
        ? Effect.all({ user, ...reads(userId) }, { concurrency: "unbounded" })
        : Effect.all({ user, ...reads(userId), activity: readActivity(activity, userId) }, { concurrency: "unbounded" })
      return all.pipe(
        orNotFound,
        Effect.map(Either.match({
          onLeft: (): Resolution => ({ _tag: "NotFound" }),
          onRight: ({ user, ...related }): Resolution => ({ _tag: "User", user, related })
        }))
      )
    }

    const byEmail = (email: string): Effect.Effect<Resolution, Provider.ProviderError> =>
      client.findUsersByEmail(email).pipe(
        Effect.mapError(providerError),
        Effect.flatMap((listing): Effect.Effect<Resolution, Provider.ProviderError> => {
          const ids = Array.from(new Set(listing.items.map((user) => user.id)))
          if (ids.length > 1) {
            return Effect.fail(
              new Provider.ProviderError({
                provider: name,
                reason: `ambiguous: ${ids.length} Okta users have email ${email}: ${namedIds(ids)}`
              })
            )
          }
          // An incomplete search cannot prove there is no other user with this email, nor none at all.
          if (!listing.complete) {
            return Effect.fail(
              new Provider.ProviderError({
                provider: name,
                reason: `the search for Okta users with email ${email} is incomplete` +
                  (listing.incompleteReason ? `: ${listing.incompleteReason}` : "")
              })
            )
          }
          return Effect.succeed(ids.length === 0 ? { _tag: "NotFound" } : { _tag: "User", user: listing.items[0] })
        })
      )

    const byLogin = (value: string): Effect.Effect<Resolution, Provider.ProviderError> =>
      orNotFound(client.getUser(value)).pipe(
        Effect.flatMap(Either.match({
          onRight: (user): Effect.Effect<Resolution, Provider.ProviderError> => Effect.succeed({ _tag: "User", user }),
          // A short name that is no login is no email either: nothing more to try.
          onLeft: () =>
            Indicator.isEmailShaped(value) ? byEmail(value) : Effect.succeed<Resolution>({ _tag: "NotFound" })
        }))
      )

    const enrich = (indicator: Indicator.Indicator): Effect.Effect<Provider.Lookup, Provider.ProviderError> =>
      Effect.gen(function*() {
        if (indicator.type !== "account") {
          return yield* new Provider.ProviderError({
            provider: name,
            reason: `the okta provider looks up account indicators, not ${indicator.type}`
          })
        }
        if (activity !== undefined && identities !== undefined) {
          // The identity part is still fresh: only the System Log is read.
          const known = identities.get(indicator.value, yield* Clock.currentTimeMillis)
          if (known !== undefined) {
            const read = yield* readActivity(activity, known.userId)
            const { extracted, raw, warnings } = Activity.attach(
              { extracted: known.extracted, raw: known.raw, warnings: [] },
              read,
              activity,
              known.userId
            )
            return new Provider.Found({ extracted, raw, warnings: [...warnings] })
          }
        }
        const resolution = isUserId(indicator.value) ? yield* byId(indicator.value) : yield* byLogin(indicator.value)
        if (resolution._tag === "NotFound") return new Provider.NotFound()
        const rest = resolution.related ?? (yield* related(resolution.user.id))
        const extraction = internal.extract(resolution.user, rest)
        // Dropped here, before anything (the Enricher's cache, the identity cache) holds on to them.
        const identity: Activity.Kept = keepRaw ? extraction : { ...extraction, raw: null }
        if (activity === undefined || rest.activity === undefined) {
          return new Provider.Found({
            extracted: identity.extracted,
            raw: identity.raw,
            warnings: [...identity.warnings]
          })
        }
        if (identities !== undefined && identity.warnings.length === 0) {
          identities.set(
            indicator.value,
            { userId: resolution.user.id, extracted: identity.extracted, raw: identity.raw },
            yield* Clock.currentTimeMillis
          )
        }
        const { extracted, raw, warnings } = Activity.attach(identity, rest.activity, activity, resolution.user.id)
        return new Provider.Found({ extracted, raw, warnings: [...warnings] })
      }).pipe(
        Effect.withSpan("OktaProvider.enrich", indicator.type === "account" ? accountSpan : spanOf(indicator.type))
      )

    return {
      name,
      indicatorTypes: ["account"],
      // With activity on, a lookup is cached for the shorter of the two TTLs; the identity part stays in the
      // provider's own cache for the identity TTL, so the refresh after the activity TTL reads only the System Log.
      cacheTtl: { account: activity === undefined ? identityTtl : Duration.min(identityTtl, activity.ttl) },
      notFoundTtl: Duration.decode(options.notFoundTtl ?? Provider.defaultNotFoundTtl),
      rules,
      enrich
    } satisfies Provider.Provider
  })

/** The provider as a Layer, requiring the Okta client. */
export const layer = (options: Options = {}): Layer.Layer<OktaProvider, never, OktaClient.OktaClient> =>
  Layer.effect(OktaProvider, make(options))

/**
 * Parses an activity window: a duration in the grammar of `Durations` (`7d`, `24h`, `30d`, ISO `P7D`), positive and
 * at most 90 days (Okta's System Log retention). The error says what is wrong; the caller names the flag or variable.
 */
export const parseActivityWindow = (text: string): Either.Either<Duration.Duration, Durations.InvalidDuration> =>
  Durations.parse(text, { max: maxActivityWindow })

/** `ENRICH_OKTA_ACTIVITY`: unset, `off`, `false` or `0` is off; `on` or `true` is {@link defaultActivityWindow}. */
const activityWindowConfig: Config.Config<Duration.Duration | undefined> = Config.option(
  Config.string("ENRICH_OKTA_ACTIVITY")
).pipe(
  Config.mapOrFail((value) => {
    if (value._tag === "None") return Either.right(undefined)
    const text = value.value.trim().toLowerCase()
    if (text === "" || text === "off" || text === "false" || text === "0") return Either.right(undefined)
    if (text === "on" || text === "true") return Either.right(defaultActivityWindow)
    return Either.mapLeft(
      parseActivityWindow(value.value),
      (error) => ConfigError.InvalidData(["ENRICH_OKTA_ACTIVITY"], error.message)
    )
  })
)

/**
 * The options read from the environment: `OKTA_CACHE_TTL` (default 1 hour) and `OKTA_NOT_FOUND_TTL` (default 5
 * minutes), in the grammar of `--ttl` (`Durations`: `30m`, `1h`, `1 hour`, `PT1H`; `0` disables caching; negatives
 * refused); `ENRICH_OKTA_ACTIVITY` (a window such as `7d`, `24h`, `P30D`, at most 90 days; unset: off) and
 * `ENRICH_OKTA_ACTIVITY_TTL` (default 5 minutes).
 */
export const config: Config.Config<Options> = Config.all({
  cacheTtl: Durations.config("OKTA_CACHE_TTL", { allowZero: true }).pipe(
    Config.withDefault(Provider.defaultCacheTtl.account ?? Duration.hours(1))
  ),
  notFoundTtl: Durations.config("OKTA_NOT_FOUND_TTL", { allowZero: true }).pipe(
    Config.withDefault(Provider.defaultNotFoundTtl)
  ),
  activityWindow: activityWindowConfig,
  activityTtl: Durations.config("ENRICH_OKTA_ACTIVITY_TTL", { allowZero: true }).pipe(
    Config.withDefault(defaultActivityTtl)
  )
}).pipe(
  Config.map(({ activityTtl, activityWindow, ...ttls }): Options => ({
    ...ttls,
    ...(activityWindow === undefined ? {} : { activity: { window: activityWindow, ttl: activityTtl } })
  }))
)

/**
 * The provider as a Layer, configured from `Config` (by default {@link config}: `OKTA_CACHE_TTL`,
 * `OKTA_NOT_FOUND_TTL`). Fails with a `ConfigError` naming the variable when a value does not decode.
 */
export const layerConfig = (
  options: Config.Config.Wrap<Options> = config
): Layer.Layer<OktaProvider, ConfigError.ConfigError, OktaClient.OktaClient> =>
  Layer.effect(OktaProvider, Effect.flatMap(Config.unwrap(options), make))
