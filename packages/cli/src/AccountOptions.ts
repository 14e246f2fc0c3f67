/**
 * The flags of `enrich account`: their definitions, the table of spellings checked before @effect/cli parses the line
 * (see {@link Arguments}), and the checks of their values, all made before any request.
 *
 * @since 0.2.0
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import * as Durations from "@enrich/core/Durations"
import * as Enricher from "@enrich/core/Enricher"
import * as CompromiseRules from "@enrich/okta/CompromiseRules"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Arguments from "./Arguments.js"
import { UsageError } from "./CliError.js"
import * as Output from "./Output.js"
// ---------------------------------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------------------------------

const indicators = Args.text({ name: "INDICATOR" }).pipe(
  Args.withDescription("An account to enrich: an email address, a login or short name, or an Okta user id."),
  Args.repeated
)

const input = Options.text("input").pipe(
  Options.withAlias("i"),
  Options.withDescription(
    "Read indicators from FILE, one per line (`-` for stdin); blank lines and # comments skipped."
  ),
  Options.optional
)

const format = Options.choice("format", Output.formats).pipe(
  Options.withAlias("f"),
  Options.withDescription("Output format. Default: json for arguments, ndjson with --input."),
  Options.optional
)

const rules = Options.text("rules").pipe(
  Options.withDescription("Malice rules FILE (JSON, either syntax); check it with `enrich rules check FILE`."),
  Options.optional
)

/** The rule packs `--rules-pack` knows. */
export const rulePacks = [CompromiseRules.name] as const

const rulesPack = Options.choice("rules-pack", rulePacks).pipe(
  Options.withDescription(
    "A rule pack shipped with enrich instead of a --rules file: compromise (verdicts from --activity; print it with " +
      "`enrich rules pack compromise`)."
  ),
  Options.optional
)

const activity = Options.text("activity").pipe(
  Options.withDescription(
    "Also summarize each account's recent System Log activity (recent_activity) over WINDOW (7d, 24h, 30d, P7D; at " +
      "most 90d; 7d when given alone; needs okta.logs.read). Default: ENRICH_OKTA_ACTIVITY, else off."
  ),
  Options.optional
)

const cache = Options.choice("cache", ["memory", "redis", "none"]).pipe(
  Options.withDescription(
    "memory: each account is asked once per run (and TTL); redis: once per TTL across every process on that Redis " +
      "(needs --redis or ENRICH_REDIS_URL); none: ask Okta every time. Default: redis with a Redis URL, else memory."
  ),
  Options.optional
)

const redis = Options.redacted("redis").pipe(
  Options.withDescription(
    "Share the cache and Okta's rate budget with every enrich process on this Redis: redis://[user:password@]host" +
      "[:port][/db], rediss:// for TLS. Overrides ENRICH_REDIS_URL (prefer it: a flag shows in the process list)."
  ),
  Options.optional
)

const ttl = Options.keyValueMap("ttl").pipe(
  Options.withDescription(
    `Cache TTLs: account=1h (found accounts), not_found=5m; 0 disables caching. A duration is ${Durations.forms}.`
  ),
  Options.optional
)

const concurrency = Options.integer("concurrency").pipe(
  Options.withAlias("c"),
  Options.withDescription(`How many accounts are enriched at once (1-256). Default ${Enricher.defaultConcurrency}.`),
  Options.withDefault(Enricher.defaultConcurrency)
)

const includeRaw = Options.boolean("include-raw").pipe(
  Options.withDescription("Include Okta's raw responses in each result (`raw`).")
)

const sandbox = Options.boolean("sandbox").pipe(
  Options.withDescription("Enrich against the bundled sandbox Okta org, started in-process: no Okta account needed.")
)

/** How `--sandbox` authenticates: its API token, or a demo OAuth service app (DPoP). Shared with `enrich doctor`. */
export const sandboxAuth = Options.choice("sandbox-auth", ["ssws", "oauth"]).pipe(
  Options.withDescription(
    "With --sandbox: ssws (default) uses its API token; oauth registers a demo OAuth 2.0 service app (a key pair " +
      "made for this run, DPoP required) and goes through the whole token dance."
  ),
  Options.withDefault("ssws" as const)
)

/** Every spelling of the options, for the checks made before @effect/cli parses the line (see {@link Arguments}). */
export const optionTable: Arguments.OptionTable = {
  command: "account",
  values: {
    "--input": "--input",
    "-i": "--input",
    "--format": "--format",
    "-f": "--format",
    "--rules": "--rules",
    "--rules-pack": "--rules-pack",
    "--activity": "--activity",
    "--cache": "--cache",
    "--redis": "--redis",
    "--concurrency": "--concurrency",
    "-c": "--concurrency",
    "--sandbox-auth": "--sandbox-auth"
  },
  keyValues: ["--ttl"],
  booleans: { "--include-raw": "--include-raw", "--sandbox": "--sandbox" },
  choices: { "--rules-pack": rulePacks },
  optionalValues: {
    // `--activity 30d` and `--activity=30d` give a window; `--activity victor.sales` is the default window and an
    // indicator. A window starts with a digit, a sign, or ISO's P (P7D, PT12H).
    "--activity": { fallback: "7d", isValue: (arg) => /^(?:[-+.]?\d|p(?:t|\d))/i.test(arg) }
  }
}

/** The parsed flags of `enrich account`. */
export interface Flags {
  readonly indicators: ReadonlyArray<string>
  readonly input: Option.Option<string>
  readonly format: Option.Option<Output.Format>
  readonly rules: Option.Option<string>
  readonly rulesPack: Option.Option<typeof rulePacks[number]>
  readonly activity: Option.Option<string>
  readonly cache: Option.Option<"memory" | "redis" | "none">
  readonly redis: Option.Option<Redacted.Redacted<string>>
  readonly ttl: Option.Option<HashMap.HashMap<string, string>>
  readonly concurrency: number
  readonly includeRaw: boolean
  readonly sandbox: boolean
  readonly sandboxAuth: "ssws" | "oauth"
}

// ---------------------------------------------------------------------------------------------------------------------
// Validation (all before any request)
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Parses a TTL in the one duration grammar of `@enrich/core/Durations` (`90s`, `5m`, `1h`, `1d12h`, `1 hour`,
 * `PT12H`, ...); `0` disables caching for that kind.
 */
export const parseDuration = (text: string): Either.Either<Duration.Duration, Durations.InvalidDuration> =>
  Durations.parse(text, { allowZero: true })

/** The window of `--activity` (already defaulted to 7d by `Arguments.normalize` when given alone). */
export const parseActivity = (
  value: Option.Option<string>
): Effect.Effect<Duration.Duration | undefined, UsageError> =>
  Option.match(value, {
    onNone: () => Effect.succeed(undefined),
    onSome: (text) =>
      Either.match(OktaProvider.parseActivityWindow(text), {
        onLeft: (error) => Effect.fail(new UsageError({ reason: `--activity: ${error.message}` })),
        onRight: (window) => Effect.succeed(window)
      })
  })

/** The TTLs given with `--ttl`; every problem is reported at once. */
export const parseTtl = (
  entries: Option.Option<HashMap.HashMap<string, string>>
): Effect.Effect<{ readonly account?: Duration.Duration; readonly not_found?: Duration.Duration }, UsageError> => {
  if (Option.isNone(entries)) return Effect.succeed({})
  const result: { account?: Duration.Duration; not_found?: Duration.Duration } = {}
  const problems: Array<string> = []
  for (const [key, value] of entries.value) {
    if (key !== "account" && key !== "not_found") {
      problems.push(`--ttl ${key}=${value}: unknown kind "${key}" (expected account or not_found)`)
      continue
    }
    const duration = parseDuration(value)
    if (Either.isLeft(duration)) {
      problems.push(`--ttl ${key}: ${duration.left.message}`)
      continue
    }
    result[key] = duration.right
  }
  return problems.length > 0 ? Effect.fail(new UsageError({ reason: problems.join("\n") })) : Effect.succeed(result)
}

/** The flags, as `Command.make` takes them. */
export const flags = {
  indicators,
  input,
  format,
  rules,
  rulesPack,
  activity,
  cache,
  redis,
  ttl,
  concurrency,
  includeRaw,
  sandbox,
  sandboxAuth
}
