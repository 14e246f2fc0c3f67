/**
 * `enrich rules check FILE`: validates a malice rules file and prints it normalized, or lists every problem with its
 * JSON path (exit 2).
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as MaliceRules from "@enrich/core/MaliceRules"
import * as CompromiseRules from "@enrich/okta/CompromiseRules"
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

const packName = Args.choice([[CompromiseRules.name, CompromiseRules.name]], { name: "PACK" }).pipe(
  Args.withDescription("The pack: compromise (verdicts from recent_activity, see enrich account --activity).")
)

/** `enrich rules pack compromise`: prints a rule pack shipped with enrich (to read, or to save and tune). */
const pack = Command.make("pack", { name: packName }, () => Stdout.write(`${CompromiseRules.text()}\n`)).pipe(
  Command.withDescription(Help.describe(
    [
      "Prints a malice rule pack shipped with enrich, as JSON. Use it with `enrich account --rules-pack PACK`, or " +
      "save it, tune it and use it with --rules FILE."
    ],
    [
      ["enrich rules pack compromise", "print the compromise pack"],
      [
        "enrich account victor.sales --sandbox --activity --rules-pack compromise",
        "use it: recent activity and a verdict"
      ],
      ["enrich rules pack compromise > mine.json", "save it to tune it, then --rules mine.json"]
    ]
  ))
)

/** The `rules` command group. */
export const command = Command.make("rules").pipe(
  Command.withDescription(Help.describe(
    ["Malice rules: how enrichment results become verdicts. Use them with `enrich account --rules FILE`."],
    [
      ["enrich rules check rules.json", "validate a rules file; prints the normalized rules or every problem"],
      ["enrich account --input accounts.txt --rules rules.json", "apply the rules to a batch"],
      ["enrich rules pack compromise", "print the compromise rule pack (use it with --rules-pack compromise)"]
    ]
  )),
  Command.withSubcommands([check, pack])
)
