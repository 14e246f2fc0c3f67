/**
 * `enrich account [options] [INDICATOR...]`: identity context for accounts, one or a million.
 *
 * Everything that can be wrong with the invocation (flags, rules file, input file, configuration) is checked before
 * the first request and exits 2. Then indicators stream through the Enricher, `--concurrency` at a time, and results
 * are printed in input order as they complete. Ctrl-C stops starting new work, prints every finished result, closes
 * the output properly and exits 130.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Enricher from "@enrich/core/Enricher"
import * as Indicator from "@enrich/core/Indicator"
import type * as MaliceRules from "@enrich/core/MaliceRules"
import * as CompromiseRules from "@enrich/okta/CompromiseRules"
import * as OktaClient from "@enrich/okta/OktaClient"
import type * as RateLimiter from "@enrich/okta/RateLimiter"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as AccountOptions from "./AccountOptions.js"
import { EnrichmentsFailed, Interrupted, UsageError } from "./CliError.js"
import * as Help from "./Help.js"
import * as Input from "./Input.js"
import * as Output from "./Output.js"
import * as Progress from "./Progress.js"
import * as Stdout from "./Stdout.js"
import * as Wiring from "./Wiring.js"

export {
  /** @since 0.1.0 */
  optionTable,
  /** @since 0.1.0 */
  parseActivity,
  /** @since 0.1.0 */
  parseDuration,
  /** @since 0.1.0 */
  parseTtl,
  /** @since 0.2.0 */
  rulePacks,
  /** @since 0.2.0 */
  sandboxAuth
} from "./AccountOptions.js"
export type {
  /** @since 0.1.0 */
  Flags
} from "./AccountOptions.js"

// ---------------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------------

/** The line number, or argument position, is added to the reason so a bad line can be found in the input. */
const toInvalidIndicator = (entry: Input.Invalid): Indicator.InvalidIndicator =>
  new Indicator.InvalidIndicator({
    type: "account",
    value: entry.value,
    reason: `${entry.reason} (${Input.describeOrigin(entry.origin)})`
  })

/** Enriches the entries and prints the results: the heart of the command, apart from its wiring. */
const enrichAndPrint = (options: {
  readonly entries: Stream.Stream<Input.Entry, Input.InputError, FileSystem.FileSystem>
  readonly format: Output.Format
  readonly concurrency: number
  readonly total: Effect.Effect<Option.Option<number>, never, FileSystem.FileSystem>
  readonly totalKnown: number | undefined
}): Effect.Effect<
  void,
  EnrichmentsFailed | Input.InputError | Stdout.OutputError,
  Enricher.Enricher | FileSystem.FileSystem | Wiring.ActivityOn
> => {
  const stats: { printed: number; failed: number; abandoned: number; total: number | undefined } = {
    printed: 0,
    failed: 0,
    abandoned: 0,
    total: options.totalKnown
  }
  return Effect.scoped(Effect.gen(function*() {
    const enricher = yield* Enricher.Enricher
    const stop = yield* Deferred.make<void>()
    const formatter = Output.make(options.format, { activity: yield* Wiring.ActivityOn })
    const finish = Effect.suspend(() => Stdout.write(formatter.end()))
    const progress = yield* Progress.make({ total: options.totalKnown })
    if (options.totalKnown === undefined) {
      yield* options.total.pipe(
        Effect.tap(Option.match({
          onNone: () => {},
          onSome: (total) => {
            stats.total = total
            progress.setTotal(total)
          }
        })),
        Effect.forkScoped
      )
    }

    const debug = (yield* FiberRef.get(FiberRef.currentMinimumLogLevel)).ordinal <= LogLevel.Debug.ordinal
    // Ctrl-C completes `stop`: the Enricher stops reading input, interrupts the work in flight (a rate-limit wait can
    // last a minute) and still gives every finished result, in order.
    const work = enricher.enrichAll(
      Stream.map(options.entries, (entry) => entry._tag === "Invalid" ? toInvalidIndicator(entry) : entry.indicator),
      {
        concurrency: options.concurrency,
        stopWhen: Deferred.await(stop),
        onAbandoned: () => Effect.sync(() => stats.abandoned++)
      }
    ).pipe(
      // One debug line per result; its annotations are only built when debug logs are on.
      Stream.tap((result) =>
        !debug ? Effect.void : Effect.logDebug("enriched").pipe(Effect.annotateLogs({
          indicator: result.indicator.value,
          verdict: result.verdict,
          ...Object.fromEntries(
            Object.entries(result.enrichment).flatMap(([provider, providerResult]) => [
              [`${provider}.outcome`, Output.outcome(providerResult)],
              [`${provider}.cache_hit`, providerResult.cache_hit],
              ...(providerResult.error_message ? [[`${provider}.error`, providerResult.error_message]] : [])
            ])
          )
        }))
      ),
      Stream.map((result) => {
        const isFailed = Output.isFailed(result)
        stats.printed++
        if (isFailed) stats.failed++
        progress.tick(isFailed)
        return formatter.push(result)
      }),
      Stream.mapChunks((texts) => Chunk.of(Chunk.join(texts, ""))),
      Stream.runForEach(Stdout.write),
      // The input may fail mid-way (a read error): close the output anyway, so what was printed stays parseable. After
      // a failed write there is nothing left to close, and the first error is the one to report.
      Effect.onError(() => Effect.ignore(finish)),
      Effect.zipRight(finish)
    )

    const fiber = yield* Effect.fork(work)
    yield* Fiber.join(fiber).pipe(
      Effect.onInterrupt(() => Effect.zipRight(Deferred.succeed(stop, undefined), Fiber.await(fiber)))
    )
  })).pipe(
    // Said once the progress bar is gone (its scope has closed), so the line is not drawn over.
    Effect.onInterrupt(() =>
      Effect.sync(() =>
        Stdout.writeStderr(
          `enrich: ${
            new Interrupted({ printed: stats.printed, abandoned: stats.abandoned, total: stats.total }).message
          }\n`
        )
      )
    ),
    Effect.zipRight(
      Effect.suspend(() =>
        stats.failed > 0
          ? Effect.fail(new EnrichmentsFailed({ failed: stats.failed, total: stats.printed }))
          : Effect.void
      )
    )
  )
}

/** The info line summing up the Okta client's work: requests, 429s, retries and time held back. */
const describeStats = (stats: RateLimiter.Stats): string =>
  `okta: ${stats.requests} requests, ${stats.rateLimited + stats.concurrencyLimited} 429s ` +
  `(${stats.concurrencyLimited} concurrency), ${stats.retries} retries, ${stats.waits} waits ` +
  `(${(stats.waitedMillis / 1000).toFixed(1)} s waited)`

/**
 * Logs the Okta client's rate-limit counters (info) and, at debug level, what it last learned of each bucket. Run at
 * the end of every `enrich account`, also after a failure or Ctrl-C; silent at the default level.
 */
const logOktaStats: Effect.Effect<void, never, OktaClient.OktaClient> = Effect.gen(function*() {
  const level = yield* FiberRef.get(FiberRef.currentMinimumLogLevel)
  const client = yield* OktaClient.OktaClient
  if (client.stats === undefined || level.ordinal > LogLevel.Info.ordinal) return
  const stats = yield* client.stats
  yield* Effect.logInfo(describeStats(stats))
  for (const bucket of stats.buckets) {
    yield* Effect.logDebug("okta bucket").pipe(Effect.annotateLogs({
      bucket: bucket.bucket,
      limit: bucket.limit,
      remaining: bucket.remaining,
      reset: new Date(bucket.resetAt).toISOString(),
      in_flight: bucket.inFlight
    }))
  }
})

const run = (flags: AccountOptions.Flags) =>
  Effect.gen(function*() {
    if (flags.indicators.length === 0 && Option.isNone(flags.input)) {
      return yield* new UsageError({
        reason: "nothing to enrich: give accounts as arguments (enrich account jsmith) or --input FILE (- for stdin)"
      })
    }
    if (!Number.isInteger(flags.concurrency) || flags.concurrency < 1 || flags.concurrency > 256) {
      return yield* new UsageError({ reason: `--concurrency ${flags.concurrency}: expected a number from 1 to 256` })
    }
    const ttls = yield* AccountOptions.parseTtl(flags.ttl)
    const inputPath = Option.getOrUndefined(flags.input)
    const readable = inputPath === undefined ? undefined : yield* Input.checkReadable(inputPath).pipe(
      Effect.mapError((error) => new UsageError({ reason: `--input: ${error.message}` }))
    )
    const activityWindow = yield* AccountOptions.parseActivity(flags.activity)
    if (Option.isSome(flags.rules) && Option.isSome(flags.rulesPack)) {
      return yield* new UsageError({ reason: "--rules and --rules-pack both give the malice rules: give one" })
    }
    const ruleSet: MaliceRules.RuleSet | undefined = Option.isSome(flags.rules)
      ? yield* Wiring.loadRules(flags.rules.value, "--rules")
      : Option.isSome(flags.rulesPack)
      ? CompromiseRules.ruleSet()
      : undefined
    const enricherLayer = yield* Wiring.enricherLayer({
      sandbox: flags.sandbox,
      sandboxAuth: flags.sandboxAuth,
      cache: Option.getOrUndefined(flags.cache),
      redis: Option.getOrUndefined(flags.redis),
      includeRaw: flags.includeRaw,
      rules: ruleSet,
      cacheTtl: ttls.account,
      notFoundTtl: ttls.not_found,
      activity: activityWindow,
      lookups: inputPath === undefined ? flags.indicators.length : undefined
    })
    const outputFormat = Option.getOrElse(
      flags.format,
      (): Output.Format => inputPath === undefined ? "json" : "ndjson"
    )
    const totalKnown = inputPath === undefined ? flags.indicators.length : undefined
    // Only a regular file can be counted first: a FIFO or a pipe is read once.
    const total = inputPath === undefined || readable?.regularFile !== true
      ? Effect.succeed(Option.none<number>())
      : Input.countFile(inputPath).pipe(
        Effect.map((count) => Option.some(count + flags.indicators.length)),
        Effect.orElseSucceed(() => Option.none<number>())
      )
    yield* enrichAndPrint({
      entries: Input.entries({ arguments: flags.indicators, input: inputPath }),
      format: outputFormat,
      concurrency: flags.concurrency,
      total,
      totalKnown
    }).pipe(
      // After the results (and the Ctrl-C notice), whatever the outcome.
      Effect.ensuring(logOktaStats),
      Effect.provide(enricherLayer)
    )
  }).pipe(Effect.scoped)

/** The `account` command. */
export const command = Command.make("account", AccountOptions.flags, run).pipe(
  Command.withDescription(Help.describe(
    [
      "Enrich accounts with their Okta identity context: status, groups, MFA, admin roles, last login, and a verdict " +
      "from your malice rules. Results go to stdout in input order; logs and progress to stderr.",
      "Exit codes: 0 every account answered (found or not found), 1 some failed (every result is still printed), " +
      "2 usage or configuration error (nothing was sent), 130 interrupted (finished results are printed).",
      "Configuration: OKTA_DOMAIN and OKTA_API_TOKEN (or an OAuth service app: OKTA_CLIENT_ID, OKTA_PRIVATE_KEY) " +
      "from the environment or a .env file in the working directory (the environment wins; --sandbox wins over both). " +
      "ENRICH_REDIS_URL (or --redis) shares the cache and the rate budget between processes; if Redis is " +
      "unreachable, enrich warns once and goes on with in-process state."
    ],
    [
      ["enrich account jsmith --sandbox", "try it without an Okta org"],
      ["enrich account jsmith --sandbox --sandbox-auth oauth", "the same, as an OAuth service app with DPoP"],
      ["enrich account jsmith@example.com 00u1a2b3c4d5e6f7g8h9", "several accounts, printed as a JSON array"],
      ["enrich account --input accounts.txt --format csv > out.csv", "a file of accounts, one per line, as CSV"],
      ["cut -d, -f3 alerts.csv | enrich account --input - --format ndjson", "accounts from stdin"],
      ["enrich account jsmith --rules rules.json --format table", "verdicts from your malice rules, as a table"],
      [
        "enrich account --input accounts.txt --ttl account=15m --concurrency 4 --log-level debug",
        "shorter cache, fewer at once, debug logs on stderr"
      ],
      ["enrich account jsmith --cache none", "always ask Okta"],
      [
        "enrich account victor.sales --sandbox --activity --rules-pack compromise -f table",
        "recent System Log activity (7 days) and the compromise pack's verdict"
      ],
      [
        "ENRICH_REDIS_URL=redis://redis.internal:6379/0 enrich account --input batch-a.txt",
        "several workers sharing one cache and one Okta rate budget"
      ]
    ]
  ))
)
