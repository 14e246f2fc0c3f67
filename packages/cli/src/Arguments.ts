/**
 * Checks the command line before @effect/cli parses it, for the mistakes its own messages describe badly (an invalid
 * `--log-level` is "Invalid subcommand", a repeated `-i` "needs a value", a repeated `--sandbox` "unknown option"):
 * each error names the flag and what it accepts. Also where `--wizard` is refused, and `--` is honoured.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as LogLevel from "effect/LogLevel"
import { UsageError } from "./CliError.js"

/** The values `--log-level` accepts. */
const logLevels: ReadonlyArray<string> = LogLevel.allLevels.map((level) => level._tag.toLowerCase())

/** The shells `--completions` writes a script for. */
const shells: ReadonlyArray<string> = ["bash", "zsh", "fish", "sh"]

/** The options of a command: each spelling mapped to its long name, for those taking a value and those that do not. */
export interface OptionTable {
  readonly command: string
  /** `-i` → `--input`, `--input` → `--input`. */
  readonly values: Readonly<Record<string, string>>
  /** Options given as `--name KEY=VALUE [KEY=VALUE...]`, which may be repeated. */
  readonly keyValues: ReadonlyArray<string>
  readonly booleans: Readonly<Record<string, string>>
  /**
   * Options whose value may be left out (`--activity [WINDOW]`): the value used then, and which next arguments are
   * taken as the value (the others are left alone: an indicator after the flag stays an indicator). Each must also be
   * listed in `values`.
   */
  readonly optionalValues?: Readonly<Record<string, OptionalValue>>
  /** Options that take one of a few values (`--rules-pack compromise`): a wrong value is named with the choices. */
  readonly choices?: Readonly<Record<string, ReadonlyArray<string>>>
}

/** An option whose value may be left out. */
export interface OptionalValue {
  /** The value when it is left out. */
  readonly fallback: string
  /** Whether the argument after the option is its value. */
  readonly isValue: (arg: string) => boolean
}

/**
 * Gives every option of `optionalValues` given without a value its fallback, inline (`--activity` →
 * `--activity=7d`), so @effect/cli, which has no optional-value options, parses it. Stops at `--`.
 */
export const normalize = (args: ReadonlyArray<string>, tables: ReadonlyArray<OptionTable>): Array<string> => {
  const out = [...args]
  for (const table of tables) {
    const optional = table.optionalValues
    if (optional === undefined) continue
    const start = commandStart(out, table.command)
    if (start === -1) continue
    for (let i = start; i < out.length; i++) {
      const arg = out[i]
      if (arg === "--") break
      const spec = Object.prototype.hasOwnProperty.call(optional, arg) ? optional[arg] : undefined
      if (spec === undefined) continue
      const next = out[i + 1]
      if (next !== undefined && next !== "--" && spec.isValue(next)) {
        i++
        continue
      }
      out[i] = `${arg}=${spec.fallback}`
    }
  }
  return out
}

const choiceError = (flag: string, value: string | undefined, choices: ReadonlyArray<string>) =>
  new UsageError({
    reason: value === undefined
      ? `option ${flag} needs a value: one of ${choices.join(", ")}`
      : `${flag} ${JSON.stringify(value)}: expected one of ${choices.join(", ")}`
  })

const isOption = (arg: string): boolean => arg.length > 1 && arg.startsWith("-")

/** Where a command's own options start: after the command words (`account`, `rules check`). */
const commandStart = (args: ReadonlyArray<string>, command: string): number => {
  const words = command.split(" ")
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") return -1
    if (words.every((word, k) => args[i + k] === word)) return i + words.length
  }
  return -1
}

/** The built-in options of every command: `--log-level`, `--completions`, `--wizard`. */
const checkBuiltIns = (args: ReadonlyArray<string>): UsageError | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === "--") return undefined
    const [name, inline] = splitInline(arg)
    if (name === "--wizard") {
      return new UsageError({
        reason: "--wizard is not supported: enrich is configured by its options and arguments (see enrich --help)"
      })
    }
    if (name === "--log-level" || name === "--completions") {
      const value = inline ?? (i + 1 < args.length ? args[++i] : undefined)
      const choices = name === "--log-level" ? logLevels : shells
      if (value === undefined || !choices.includes(value.toLowerCase())) return choiceError(name, value, choices)
    }
  }
  return undefined
}

const splitInline = (arg: string): readonly [string, string | undefined] => {
  const index = arg.indexOf("=")
  return arg.startsWith("--") && index > 0 ? [arg.slice(0, index), arg.slice(index + 1)] : [arg, undefined]
}

const describeOption = (table: OptionTable, long: string): string => {
  const aliases = Object.entries({ ...table.values, ...table.booleans })
    .filter(([spelling, name]) => name === long && spelling !== long)
    .map(([spelling]) => spelling)
  return aliases.length > 0 ? `${long} (${aliases.join(", ")})` : long
}

/** The options of one command, up to `--`. */
const checkCommand = (args: ReadonlyArray<string>, table: OptionTable): UsageError | undefined => {
  const start = commandStart(args, table.command)
  if (start === -1) return undefined
  const seen = new Set<string>()
  const usage = `see enrich ${table.command} --help`
  for (let i = start; i < args.length; i++) {
    const arg = args[i]
    if (arg === "--") return undefined
    if (!isOption(arg)) continue
    const [spelling, inline] = splitInline(arg)
    if (spelling === "--log-level" || spelling === "--completions") {
      if (inline === undefined) i++
      continue
    }
    const valueName = table.values[spelling] ?? (table.keyValues.includes(spelling) ? spelling : undefined)
    const booleanName = table.booleans[spelling]
    if (valueName === undefined && booleanName === undefined) {
      const shortInline = /^(-[a-zA-Z])=(.*)$/.exec(arg)
      if (shortInline !== null && table.values[shortInline[1]] !== undefined) {
        return new UsageError({ reason: `${arg}: write ${shortInline[1]} ${shortInline[2]} (a space, not =)` })
      }
      return new UsageError({
        reason: `unknown option ${arg} for enrich ${table.command} (${usage}); ` +
          `an argument that starts with - goes after --, as in: enrich ${table.command} -- ${arg}`
      })
    }
    const name = valueName ?? booleanName
    if (table.keyValues.includes(name)) {
      if (inline !== undefined) {
        return new UsageError({ reason: `${arg}: write ${name} ${inline} (a space, not =)` })
      }
      const pairs: Array<string> = []
      while (i + 1 < args.length && !isOption(args[i + 1]) && args[i + 1].includes("=")) pairs.push(args[++i])
      if (pairs.length === 0) {
        return new UsageError({ reason: `option ${name} needs KIND=VALUE pairs, e.g. ${name} account=1h (${usage})` })
      }
      const empty = pairs.find((pair) => pair.startsWith("=") || pair.endsWith("="))
      if (empty !== undefined) {
        return new UsageError({
          reason: `${name} ${empty}: expected KIND=VALUE with both parts, e.g. ${name} account=1h (${usage})`
        })
      }
      continue
    }
    if (seen.has(name)) {
      return new UsageError({ reason: `option ${describeOption(table, name)} is given more than once; give it once` })
    }
    seen.add(name)
    if (valueName !== undefined && inline === undefined) {
      if (i + 1 >= args.length || args[i + 1] === "--") {
        return new UsageError({ reason: `option ${describeOption(table, name)} needs a value (${usage})` })
      }
      i++
    }
    const choices = table.choices?.[name]
    const value = inline ?? args[i]
    if (choices !== undefined && !choices.includes(value)) return choiceError(name, value, choices)
  }
  return undefined
}

/**
 * Checks the arguments (without `node` and the script) against the built-in options and the `tables` of the commands;
 * `--help` anywhere leaves everything to @effect/cli, which then shows the help.
 */
export const check = (
  args: ReadonlyArray<string>,
  tables: ReadonlyArray<OptionTable>
): Either.Either<void, UsageError> => {
  const dashDash = args.indexOf("--")
  const before = dashDash === -1 ? args : args.slice(0, dashDash)
  if (before.includes("--help") || before.includes("-h")) return Either.void
  const error = checkBuiltIns(args) ?? tables.reduce<UsageError | undefined>(
    (found, table) => found ?? checkCommand(args, table),
    undefined
  )
  return error === undefined ? Either.void : Either.left(error)
}
