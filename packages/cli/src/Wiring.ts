// Over 350 lines on purpose: the one place where flags, environment, .env and layers meet; every step is a small
// function of its own.
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
import type * as OktaOAuthTypes from "@enrich/okta/OktaOAuth"
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
import * as NodeHttp from "./internal/nodeHttp.js"
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
  /**
   * With `sandbox`: how enrich authenticates to it. `ssws` (default): the sandbox's API token. `oauth`: a demo OAuth
   * service app registered for this run (a fresh key pair, DPoP required), through the whole token dance.
   */
  readonly sandboxAuth?: "ssws" | "oauth" | undefined
}

/** The Okta client ready to build, with what `enrich doctor` reports about it. */
export interface ClientSetup {
  /** The Okta client, its authentication included, with its own in-process rate limiter. */
  readonly layer: Layer.Layer<OktaClient.OktaClient, UsageError>
  /** The same client on a rate limiter built from the client's options (the Redis-shared one). */
  readonly withLimiter: (limiter: LimiterFor) => Layer.Layer<OktaClient.OktaClient, UsageError>
  /** The org URL, as configured. */
  readonly domain: string
  /** `API token (SSWS)` or `OAuth 2.0 service app <client id>`. */
  readonly mode: string
  /** Secrets the logger scrubs: the API token or the private key. */
  readonly secrets: ReadonlyArray<Redacted.Redacted>
  /** The configuration provider (flags, environment, `.env`). */
  readonly provider: ConfigProvider.ConfigProvider
}

/** A rate limiter for a client built with these options. */
export type LimiterFor = (options: OktaClient.Options) => Layer.Layer<RateLimiter.RateLimiter>

/** The OAuth module (and with it `jose`), loaded only when OAuth is configured ({@link EnvConfig.oauthVariables}). */
const loadOAuth = Effect.promise(() => import("@enrich/okta/OktaOAuth"))

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
 * From how many lookups the CLI sends its requests with undici (`NodeHttpClient.layerUndici`) rather than `node:http`.
 * Undici costs about a third less CPU per request (BENCHMARKS.md, finding 2), but loading the bundled undici adds about
 * 85 ms to the start-up: a handful of lookups given as arguments are faster over `node:http`, a batch (a file, stdin,
 * or many arguments) over undici.
 *
 * Not node's built-in `fetch` for the handful: loading its internals costs about 90 ms on first use, and a process
 * that used it waits about 65 ms more before it exits (its idle keep-alive socket), twice what `node:http` costs in
 * all (BENCHMARKS.md, issue 16 round 3).
 */
export const undiciFrom = 100

/** The transport for `lookups` lookups; undici is imported only when it is picked, in its own chunk. */
const httpClientLayer = (lookups: number | undefined): Effect.Effect<Layer.Layer<HttpClient.HttpClient>> =>
  lookups !== undefined && lookups < undiciFrom
    ? Effect.succeed(NodeHttp.layer)
    : Effect.promise(() => import("./internal/undici.js")).pipe(Effect.map((undici) => undici.layer))

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
const sharedLimiter = (redis: Layer.Layer<Redis.Redis, Redis.RedisUrlInvalid>): LimiterFor => (options) =>
  RateLimiter.layerRedis({ ...options.rateLimit, maxConcurrency: options.maxConcurrency ?? 8 }).pipe(
    Layer.provide(Layer.orDie(redis))
  )

/**
 * Whether the run reads recent activity (`--activity` or `ENRICH_OKTA_ACTIVITY`): the table and csv then show an
 * activity column. Provided by {@link enricherLayer}.
 */
export class ActivityOn extends Context.Tag("@enrich/cli/Wiring/ActivityOn")<ActivityOn, boolean>() {}

/**
 * Reads how to reach Okta and authenticate, starting the sandbox first with `sandbox` (with `sandboxAuth: "oauth"`,
 * with a demo service app). OAuth variables (`OKTA_CLIENT_ID`, `OKTA_PRIVATE_KEY`, ... or the Okta SDK's names) mean
 * OAuth, `OKTA_API_TOKEN` means SSWS; both at once, or an unusable key, is a {@link UsageError} naming the variables.
 */
export const clientSetup = (
  options: Pick<Options, "sandbox" | "sandboxAuth" | "cwd" | "lookups" | "activity">
): Effect.Effect<ClientSetup, UsageError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    if (options.sandboxAuth === "oauth" && !options.sandbox) {
      return yield* new UsageError({ reason: "--sandbox-auth needs --sandbox (it says how to reach the sandbox)" })
    }
    let overrides: Record<string, string> | undefined
    let oauth: OktaOAuthTypes.Options | undefined
    if (options.sandbox && options.sandboxAuth === "oauth") {
      const { app, sandbox } = yield* SandboxCommand.startWithDemoApp({})
      overrides = { OKTA_DOMAIN: sandbox.url }
      oauth = { domain: sandbox.url, clientId: app.clientId, privateKey: app.privateKey }
      yield* Effect.logInfo(`sandbox Okta org listening on ${sandbox.url}, with the demo OAuth app ${app.clientId}`)
    } else if (options.sandbox) {
      const sandbox = yield* SandboxCommand.start({})
      overrides = { OKTA_DOMAIN: sandbox.url, OKTA_API_TOKEN: Redacted.value(sandbox.token) }
      yield* Effect.logInfo(`sandbox Okta org listening on ${sandbox.url}`)
    }
    const provider = yield* EnvConfig.configProvider({ cwd: options.cwd ?? process.cwd(), overrides }).pipe(
      Effect.mapError((error) => new UsageError({ reason: error.message }))
    )
    // With recent activity on (flag or ENRICH_OKTA_ACTIVITY), OAuth also asks for okta.logs.read.
    const activity = options.activity !== undefined || (yield* Config.unwrap(OktaProvider.config).pipe(
      Effect.withConfigProvider(provider),
      Effect.map((config) => config.activity !== undefined),
      Effect.orElseSucceed(() => false)
    ))
    if (oauth !== undefined) oauth = { ...oauth, activity }
    if (!options.sandbox && (yield* EnvConfig.anySet(provider, EnvConfig.oauthVariables))) {
      const OktaOAuth = yield* loadOAuth
      const loaded = yield* OktaOAuth.load({ activity }).pipe(
        Effect.withConfigProvider(provider),
        Effect.mapError((error) => new UsageError({ reason: error.message }))
      )
      oauth = Option.getOrUndefined(loaded)
    }
    if (oauth !== undefined) {
      const OktaOAuth = yield* loadOAuth
      const settings = oauth
      yield* Effect.logDebug("configuration").pipe(
        Effect.annotateLogs({
          OKTA_DOMAIN: settings.domain,
          OKTA_CLIENT_ID: settings.clientId,
          OKTA_PRIVATE_KEY: "<redacted>"
        })
      )
      const transport = yield* httpClientLayer(options.lookups)
      const client = (limiter: LimiterFor | undefined) =>
        (limiter === undefined
          ? OktaClient.layer({ domain: settings.domain })
          : OktaClient.layerWithoutRateLimiter({ domain: settings.domain }).pipe(
            Layer.provide(limiter({ domain: settings.domain }))
          )).pipe(
            Layer.provide(OktaOAuth.layer(settings)),
            Layer.provide(transport),
            Layer.mapError((error) => new UsageError({ reason: error.message }))
          )
      return {
        layer: client(undefined),
        withLimiter: client,
        domain: settings.domain,
        mode: `OAuth 2.0 service app ${settings.clientId} (private_key_jwt)`,
        secrets: [settings.privateKey],
        provider
      }
    }
    const token = yield* checkConfig(provider)
    const domain = yield* Config.string("OKTA_DOMAIN").pipe(Effect.withConfigProvider(provider), Effect.orDie)
    // After the configuration is logged, as before OAuth existed (a Ctrl-C test interrupts right after that line).
    const transport = yield* httpClientLayer(options.lookups)
    const client = (limiter: LimiterFor | undefined) =>
      (limiter === undefined
        ? OktaClient.layerConfig()
        : Layer.unwrapEffect(
          Effect.map(
            OktaConfig.load(),
            (config) => OktaClient.layerWithoutRateLimiter(config).pipe(Layer.provide(limiter(config)))
          )
        )).pipe(
          Layer.provide(transport),
          Layer.provide(Layer.setConfigProvider(provider)),
          Layer.mapError((error) => new UsageError({ reason: error.message }))
        )
    return {
      layer: client(undefined),
      withLimiter: client,
      domain,
      mode: "API token (SSWS)",
      secrets: [token],
      provider
    }
  })

/**
 * Whether the provider keeps Okta's raw responses: always with `--include-raw` (they are printed), and with the Redis
 * cache (its entries are shared with other processes, which may print them or run rules on `raw.` fields); otherwise
 * only when a rule reads them (`auto`), so a cached account holds its extracted fields only.
 */
export const keepRawFor = (includeRaw: boolean, cache: "memory" | "redis" | "none"): OktaProvider.KeepRaw =>
  includeRaw || cache === "redis" ? "always" : "auto"

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
    const setup = yield* clientSetup(options)
    const { provider, secrets } = setup

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
    const oktaClient = Option.match(redisLayer, {
      onNone: () => setup.layer,
      onSome: (redisLayer) => setup.withLimiter(sharedLimiter(redisLayer))
    })
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
      ...(activity !== undefined ? { activity } : {}),
      keepRaw: keepRawFor(options.includeRaw, cache)
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
    // The logs of the run scrub the token (or the private key) and the Redis password: values handed down with the
    // layer, not a process-wide registry.
    const password = Option.flatMap(redis, ({ location }) => Option.fromNullable(location.password))
    return Layer.mergeAll(
      Layer.succeedContext(context),
      Logging.layerScrubbing([...secrets, ...Option.toArray(password)]),
      Layer.succeed(ActivityOn, activity !== undefined)
    )
  })
