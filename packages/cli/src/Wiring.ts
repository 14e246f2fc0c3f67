/**
 * How `enrich account` assembles the library: configuration (flags, environment, `.env`), the malice rules, the
 * Okta client and provider, the cache and the Enricher. Every configuration problem surfaces here, as a
 * {@link UsageError} (exit 2), before any request is sent.
 *
 * @since 0.1.0
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Enricher from "@enrich/core/Enricher"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Redis from "@enrich/core/Redis"
import * as Telemetry from "@enrich/core/Telemetry"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaConfig from "@enrich/okta/OktaConfig"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as RateLimiter from "@enrich/okta/RateLimiter"
import * as Config from "effect/Config"
import type * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import { UsageError } from "./CliError.js"
import * as EnvConfig from "./EnvConfig.js"
import * as Logging from "./Logging.js"
import * as SandboxCommand from "./SandboxCommand.js"

/**
 * The largest rules file read, 1 MiB: rules are a small JSON document, and a path such as `/dev/zero` or a huge file
 * must fail fast with a clear message instead of filling the memory.
 */
export const maxRulesBytes = 1024 * 1024

const rulesError = (path: string, message: string) =>
  new MaliceRules.MaliceRulesError({ source: path, problems: [{ path: "", message }] })

/**
 * Reads a rules file as a stream, at most {@link maxRulesBytes} of it: any kind of file works (a FIFO, `<(cmd)`), and
 * an endless one (`/dev/zero`) stops at the cap.
 */
const readRulesText = (path: string): Effect.Effect<string, MaliceRules.MaliceRulesError> =>
  NodeStream.fromReadable<MaliceRules.MaliceRulesError, Uint8Array>(
    () => Fs.createReadStream(path, { highWaterMark: 64 * 1024 }),
    (error) => rulesError(path, `cannot read the rules file: ${error instanceof Error ? error.message : String(error)}`)
  ).pipe(
    Stream.runFoldEffect({ chunks: [] as Array<Uint8Array>, size: 0 }, (read, chunk) => {
      const size = read.size + chunk.length
      if (size > maxRulesBytes) {
        return Effect.fail(rulesError(path, `the rules file is larger than ${maxRulesBytes} bytes (1 MiB), the limit`))
      }
      read.chunks.push(chunk)
      return Effect.succeed({ chunks: read.chunks, size })
    }),
    Effect.map(({ chunks }) => Buffer.concat(chunks).toString("utf8"))
  )

/**
 * Loads and validates a malice rules file, read with a size cap ({@link maxRulesBytes}); every problem is listed, each
 * with its JSON path. `flag` names where the path came from (`--rules`) in the error.
 */
export const loadRules = (path: string, flag?: string): Effect.Effect<MaliceRules.RuleSet, UsageError> =>
  readRulesText(path).pipe(
    Effect.flatMap((text) => MaliceRules.parse(text, { source: path })),
    Effect.mapError((error) => new UsageError({ reason: flag ? `${flag} ${error.message}` : error.message }))
  )

/** What the Enricher is built from. */
export interface Options {
  readonly sandbox: boolean
  /** The cache; by default `redis` when a Redis URL is given, else `memory`. */
  readonly cache?: "memory" | "redis" | "none" | undefined
  /** `--redis URL`; wins over `ENRICH_REDIS_URL`. With a URL, the rate budget is shared through Redis. */
  readonly redis?: Redacted.Redacted<string> | undefined
  readonly includeRaw: boolean
  readonly rules: MaliceRules.RuleSet | undefined
  readonly cacheTtl: Duration.Duration | undefined
  readonly notFoundTtl: Duration.Duration | undefined
  /** `--activity`: the System Log window; `undefined` leaves it to `ENRICH_OKTA_ACTIVITY` (unset: off). */
  readonly activity?: Duration.Duration | undefined
  /** The working directory, where `.env` is read. Default: `process.cwd()`. */
  readonly cwd?: string | undefined
  /**
   * How many lookups the command will make, when known (indicators given as arguments); `undefined` for a file or
   * stdin. It picks the transport: see {@link undiciFrom}.
   */
  readonly lookups?: number | undefined
}

const required = (name: string, example: string) =>
  Config.option(Config.string(name)).pipe(
    Effect.mapError((error) => new UsageError({ reason: `${name}: ${error.message}` })),
    Effect.flatMap(Option.match({
      onNone: () =>
        Effect.fail(
          new UsageError({
            reason: `${name} is not set: set it in the environment or in a .env file in the working directory ` +
              `(${name}=${example}), or try --sandbox`
          })
        ),
      onSome: (value) =>
        value.trim() === "" ? Effect.fail(new UsageError({ reason: `${name} is set but empty` })) : Effect.void
    }))
  )

/**
 * From how many lookups the CLI sends its requests with undici (`NodeHttpClient`) rather than `fetch`. Undici costs
 * about a third less CPU per request (BENCHMARKS.md, finding 2), about 1.6 ms per lookup, but loading the bundled
 * undici adds about 85 ms to the start-up, which node's built-in `fetch` does not pay: a handful of lookups given as
 * arguments are faster over `fetch`, a batch (a file, stdin, or many arguments) over undici.
 */
export const undiciFrom = 100

/** The transport for `lookups` lookups; undici is imported only when it is picked, in its own chunk. */
const httpClientLayer = (lookups: number | undefined): Effect.Effect<Layer.Layer<HttpClient.HttpClient>> =>
  lookups !== undefined && lookups < undiciFrom
    ? Effect.succeed(FetchHttpClient.layer)
    : Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
      Effect.map((NodeHttpClient) => NodeHttpClient.layerUndici)
    )

/** Reads the configuration and checks that what Okta needs is there; returns the token, for log scrubbing. */
const checkConfig = (provider: ConfigProvider.ConfigProvider) =>
  Effect.gen(function*() {
    yield* required("OKTA_DOMAIN", "company.okta.com")
    yield* required("OKTA_API_TOKEN", "<your read-only admin's API token>")
    const token = yield* Config.redacted("OKTA_API_TOKEN").pipe(Effect.orDie)
    const domain = yield* Config.string("OKTA_DOMAIN").pipe(Effect.orDie)
    // The logfmt logger would print a Redacted annotation as JSON (`"\"<redacted>\""`): say it in plain words.
    yield* Effect.logDebug("configuration").pipe(
      Effect.annotateLogs({ OKTA_DOMAIN: domain, OKTA_API_TOKEN: "<redacted>" })
    )
    return token
  }).pipe(Effect.withConfigProvider(provider))

/** Where Redis is, from `--redis` or else `ENRICH_REDIS_URL` (environment or `.env`), checked; none when neither. */
const redisLocation = (flag: Redacted.Redacted<string> | undefined, provider: ConfigProvider.ConfigProvider) =>
  Effect.gen(function*() {
    if (flag !== undefined) {
      const location = Redis.parseUrl(Redacted.value(flag))
      if (Either.isLeft(location)) return yield* new UsageError({ reason: `--redis: ${location.left.message}` })
      return Option.some({ url: flag, location: location.right })
    }
    const url = yield* Config.option(Redis.urlConfig).pipe(
      Effect.withConfigProvider(provider),
      // `String(error)` names the variable: "Invalid data at ENRICH_REDIS_URL: ...".
      Effect.mapError((error) => new UsageError({ reason: String(error).replace(/^\((.*)\)$/s, "$1") }))
    )
    return Option.map(url, (url) => ({ url, location: Either.getOrThrow(Redis.parseUrl(Redacted.value(url))) }))
  })

/**
 * The Okta client over the shared (Redis) rate budget: one budget, one in-flight cap for every process on that Redis.
 * The same options as `OktaClient.layerConfig`, which builds an in-process limiter instead.
 */
const sharedOktaClient = (redis: Layer.Layer<Redis.Redis, Redis.RedisUrlInvalid>) =>
  Layer.unwrapEffect(Effect.map(OktaConfig.load(), (options) =>
    OktaClient.layerWithoutRateLimiter(options).pipe(
      Layer.provide(
        RateLimiter.layerRedis({ ...options.rateLimit, maxConcurrency: options.maxConcurrency ?? 8 }).pipe(
          Layer.provide(redis)
        )
      )
    )))

/**
 * Whether the run reads recent activity (`--activity` or `ENRICH_OKTA_ACTIVITY`): the table and csv then show an
 * activity column. Provided by {@link enricherLayer}.
 */
export class ActivityOn extends Context.Tag("@enrich/cli/Wiring/ActivityOn")<ActivityOn, boolean>() {}

/**
 * Builds the Enricher (Okta provider, cache) for the lifetime of the scope, starting the sandbox first with
 * `--sandbox`. Returns it, with the Okta client it uses (for its rate-limit stats), as a Layer that is already built:
 * configuration errors have surfaced by then. The layer also makes the logger scrub the API token.
 */
export const enricherLayer = (
  options: Options
): Effect.Effect<
  Layer.Layer<Enricher.Enricher | OktaClient.OktaClient | ActivityOn>,
  UsageError,
  FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    let overrides: Record<string, string> | undefined
    if (options.sandbox) {
      const sandbox = yield* SandboxCommand.start({})
      overrides = { OKTA_DOMAIN: sandbox.url, OKTA_API_TOKEN: Redacted.value(sandbox.token) }
      yield* Effect.logInfo(`sandbox Okta org listening on ${sandbox.url}`)
    }
    const provider = yield* EnvConfig.configProvider({ cwd: options.cwd ?? process.cwd(), overrides }).pipe(
      Effect.mapError((error) => new UsageError({ reason: error.message }))
    )
    const token = yield* checkConfig(provider)

    const providerOptions = yield* Config.unwrap(OktaProvider.config).pipe(
      Effect.withConfigProvider(provider),
      // `String(error)` names the variable ("Invalid data at OKTA_CACHE_TTL: ..."); `message` alone does not.
      Effect.mapError((error) => new UsageError({ reason: String(error).replace(/^\((.*)\)$/s, "$1") }))
    )
    const redis = yield* redisLocation(options.redis, provider)
    const cache = options.cache ?? (Option.isSome(redis) ? "redis" : "memory")
    if (cache === "redis" && Option.isNone(redis)) {
      return yield* new UsageError({
        reason: `--cache redis needs a Redis URL: give --redis URL or set ${Redis.urlEnv}`
      })
    }
    // One connection for the cache and the rate budget (a layer is built once per build, however often provided).
    const redisLayer = Option.map(redis, ({ url }) => Redis.layer({ url }))
    if (Option.isSome(redis)) {
      yield* Effect.logDebug("redis").pipe(Effect.annotateLogs({ [Redis.urlEnv]: redis.value.location.display }))
    }
    const transport = yield* httpClientLayer(options.lookups)
    const oktaClient = Option.match(redisLayer, {
      onNone: () => OktaClient.layerConfig(),
      onSome: sharedOktaClient
    }).pipe(
      Layer.provide(transport),
      Layer.provide(Layer.setConfigProvider(provider))
    )
    // The flag wins over ENRICH_OKTA_ACTIVITY, and keeps the variable's ENRICH_OKTA_ACTIVITY_TTL.
    const activity = options.activity === undefined
      ? providerOptions.activity
      : { ...providerOptions.activity, window: options.activity }
    const oktaProvider = OktaProvider.layer({
      ...providerOptions,
      ...(options.rules !== undefined ? { rules: options.rules } : {}),
      ...(options.cacheTtl !== undefined ? { cacheTtl: options.cacheTtl } : {}),
      ...(options.notFoundTtl !== undefined ? { notFoundTtl: options.notFoundTtl } : {}),
      // --cache none asks Okta every time: the provider keeps no identity either.
      ...(options.cache === "none" ? { cacheTtl: Duration.zero } : {}),
      ...(activity !== undefined ? { activity } : {})
    })
    // The client is kept in the result, beside the Enricher, so the command can report its rate-limit stats.
    const layer = Enricher.layerWith({ includeRaw: options.includeRaw }, OktaProvider.OktaProvider).pipe(
      Layer.provide(oktaProvider),
      Layer.provide(
        cache === "none"
          ? EnrichmentCache.layerNone
          : Option.isSome(redisLayer) && cache === "redis"
          ? EnrichmentCache.layerRedis().pipe(Layer.provide(redisLayer.value))
          : EnrichmentCache.layerMemory()
      ),
      Layer.provideMerge(oktaClient),
      Layer.provideMerge(Telemetry.layerConfig({ serviceName: "enrich" }).pipe(Layer.provide(FetchHttpClient.layer)))
    )
    const context = yield* Layer.build(layer).pipe(
      Effect.mapError((error) => new UsageError({ reason: error.message }))
    )
    // The logs of the run scrub the token and the Redis password: values handed down with the layer, not a
    // process-wide registry.
    const password = Option.flatMap(redis, ({ location }) => Option.fromNullable(location.password))
    return Layer.mergeAll(
      Layer.succeedContext(context),
      Logging.layerScrubbing([token, ...Option.toArray(password)]),
      Layer.succeed(ActivityOn, activity !== undefined)
    )
  })
