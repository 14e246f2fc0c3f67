/**
 * The `enrich` command tree.
 *
 * @since 0.1.0
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as AccountCommand from "./AccountCommand.js"
import * as Arguments from "./Arguments.js"
import * as DoctorCommand from "./DoctorCommand.js"
import * as Help from "./Help.js"
import * as RulesCommand from "./RulesCommand.js"
import * as SandboxCommand from "./SandboxCommand.js"

/** The version, defined when the CLI is bundled. */
export const version: string = process.env.ENRICH_VERSION ?? "0.0.0-dev"

/** The root command. */
export const enrich = Command.make("enrich").pipe(
  Command.withDescription(Help.describe(
    [
      "Identity context for accounts seen in security alerts: is it active, an admin, enrolled in MFA, in sensitive " +
      "groups, compromised? First provider: Okta. Run `enrich <command> --help` for each command."
    ],
    [
      ["enrich account jsmith --sandbox", "try it against the bundled sandbox org"],
      ["enrich account jsmith@company.com", "a real lookup (OKTA_DOMAIN and OKTA_API_TOKEN in the env or .env)"],
      ["enrich rules check rules.json", "validate malice rules"],
      ["enrich sandbox serve", "run the sandbox org for other tools"],
      ["enrich doctor", "check the configuration: org, auth, scopes, a sample request, rate-limit headroom"],
      ["enrich --completions bash > ~/.local/share/bash-completion/completions/enrich", "shell completions"]
    ]
  )),
  Command.withSubcommands([
    AccountCommand.command,
    RulesCommand.command,
    SandboxCommand.command,
    DoctorCommand.command
  ])
)

/**
 * Moves every `--log-level LEVEL` (or `--log-level=LEVEL`) to the front of the arguments. @effect/cli reads this
 * built-in option only before a command's own value options (`account --input f.txt --log-level info` would be
 * refused), while our help promises it works anywhere on the line.
 */
export const hoistLogLevel = (argv: ReadonlyArray<string>): Array<string> => {
  const [node, script, ...rest] = argv
  const hoisted: Array<string> = []
  const others: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === "--log-level" && i + 1 < rest.length) {
      hoisted.push(arg, rest[++i])
    } else if (arg.startsWith("--log-level=")) {
      hoisted.push(arg)
    } else {
      others.push(arg)
    }
  }
  return [node, script, ...hoisted, ...others]
}

const runCommand = Command.run(enrich, { name: "enrich", version })

/**
 * Runs the CLI on `process.argv`: the line is checked first ({@link Arguments.check}), so a bad flag is named with the
 * values it accepts (exit 2).
 */
export const run = (argv: ReadonlyArray<string>) =>
  Effect.suspend(() => {
    // `--activity` without a value becomes `--activity=7d` first (an option with an optional value).
    const tables = [AccountCommand.optionTable, DoctorCommand.optionTable]
    const [node, script, ...rest] = argv
    const line = [node, script, ...Arguments.normalize(rest, tables)]
    return Effect.zipRight(
      Arguments.check(line.slice(2), tables),
      runCommand(hoistLogLevel(line)).pipe(Effect.provide(CliConfig.layer({ showBuiltIns: false })))
    )
  })
