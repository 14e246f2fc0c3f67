/**
 * `enrich rules check FILE`: validates a malice rules file and prints it normalized, or lists every problem with its
 * JSON path (exit 2).
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as Effect from "effect/Effect"
import * as Help from "./Help.js"
import * as Stdout from "./Stdout.js"
import * as Wiring from "./Wiring.js"

const file = Args.text({ name: "FILE" }).pipe(Args.withDescription("The malice rules file (JSON)."))

const check = Command.make("check", { file }, ({ file }) =>
  Effect.gen(function*() {
    const ruleSet = yield* Wiring.loadRules(file)
    yield* Stdout.write(`${JSON.stringify(MaliceRules.encode(ruleSet), null, 2)}\n`)
  })).pipe(
    Command.withDescription(Help.describe(
      [
        "Validates a malice rules file, in either syntax: the product page's " +
        "{\"malice_rules\": {\"conditions\": [...]}} or {\"rules\": [...], \"default_verdict\", \"not_found_verdict\"}. " +
        "Prints the normalized rules on stdout (exit 0), or every problem with its JSON path on stderr (exit 2)."
      ],
      [
        ["enrich rules check rules.json", "validate rules before using them with --rules"]
      ]
    ))
  )

/** The `rules` command group. */
export const command = Command.make("rules").pipe(
  Command.withDescription(Help.describe(
    ["Malice rules: how enrichment results become verdicts. Use them with `enrich account --rules FILE`."],
    [
      ["enrich rules check rules.json", "validate a rules file; prints the normalized rules or every problem"],
      ["enrich account --input accounts.txt --rules rules.json", "apply the rules to a batch"]
    ]
  )),
  Command.withSubcommands([check])
)
