/**
 * `enrich doctor [--sandbox [--sandbox-auth oauth]]`: whether the configuration works, in one screen: the org URL, the
 * auth mode, the granted scopes, one sample request (`GET /api/v1/users?limit=1`) and the rate-limit headroom of its
 * bucket. Exit 0 when all is well, 2 on a configuration error (nothing sent), 1 when a check fails.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Printable from "@enrich/core/Printable"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as AccountCommand from "./AccountCommand.js"
import type * as Arguments from "./Arguments.js"
import * as Help from "./Help.js"
import * as Logging from "./Logging.js"
import * as Stdout from "./Stdout.js"
import * as Wiring from "./Wiring.js"

/** A check failed (exit code 1); the screen above says which. */
export class DoctorCheckFailed extends Schema.TaggedError<DoctorCheckFailed>()("DoctorCheckFailed", {
  check: Schema.String
}) {
  override get message(): string {
    return `enrich doctor: the ${this.check} check failed (see above)`
  }
}

const sandbox = Options.boolean("sandbox").pipe(
  Options.withDescription("Check against the bundled sandbox Okta org, started in-process.")
)

/** Every spelling of the options, for the checks made before @effect/cli parses the line. */
export const optionTable: Arguments.OptionTable = {
  command: "doctor",
  values: { "--sandbox-auth": "--sandbox-auth" },
  keyValues: [],
  booleans: { "--sandbox": "--sandbox" }
}

/** The sample request: the cheapest that proves the credentials work. */
export const sampleRequest = "GET /api/v1/users?limit=1"

const row = (label: string, value: string) => `${`${label}:`.padEnd(12)}${value}\n`

const run = (flags: { readonly sandbox: boolean; readonly sandboxAuth: "ssws" | "oauth" }) =>
  Effect.gen(function*() {
    const setup = yield* Wiring.clientSetup({ sandbox: flags.sandbox, sandboxAuth: flags.sandboxAuth, lookups: 1 })
    const context = yield* Layer.build(setup.layer)
    const client = Context.get(context, OktaClient.OktaClient)
    const check = Effect.gen(function*() {
      const startedAt = yield* Clock.currentTimeMillis
      const sample = client.sample === undefined
        ? Either.left("this client cannot send the sample request")
        : yield* Effect.either(Effect.mapError(client.sample, (error) => error.message))
      const tookMillis = (yield* Clock.currentTimeMillis) - startedAt
      const auth = client.auth
      const scheme = auth === undefined || auth.scheme === "SSWS" ? "" : `, ${auth.scheme} access tokens`
      let scopes = "n/a: an API token acts with its admin's permissions"
      if (auth?.grantedScopes !== undefined) {
        const granted = yield* Effect.either(auth.grantedScopes)
        const missing = auth.missingScopes === undefined ? new Set<string>() : yield* auth.missingScopes
        scopes = Either.match(granted, {
          onLeft: (error) => `unknown: ${error.message}`,
          onRight: (set) =>
            [...set].sort().join(" ") + (missing.size > 0 ? `; missing: ${[...missing].sort().join(" ")}` : "")
        })
      }
      const stats = client.stats === undefined ? undefined : yield* client.stats
      const bucket = stats?.buckets.find((b) => b.bucket.endsWith(" /api/v1/users"))
      const now = yield* Clock.currentTimeMillis
      const headroom = bucket === undefined
        ? "unknown (no rate-limit headers seen)"
        : `${bucket.remaining} of ${bucket.limit} left in ${bucket.bucket}, resets in ` +
          `${Math.max(0, Math.ceil((bucket.resetAt - now) / 1000))}s`
      const sampleText = Either.match(sample, {
        onLeft: (reason) => `FAILED: ${reason}`,
        onRight: (users) => `OK, ${users.length} user${users.length === 1 ? "" : "s"} in ${tookMillis} ms`
      })
      yield* Stdout.write(
        "enrich doctor\n" +
          row("org", Printable.escape(setup.domain)) +
          row("auth", `${setup.mode}${scheme}`) +
          row("scopes", Printable.escape(scopes)) +
          row("sample", `${sampleRequest}: ${Printable.escape(sampleText)}`) +
          row("rate limit", headroom) +
          (Either.isRight(sample) ? "all checks passed\n" : "a check failed\n")
      )
      if (Either.isLeft(sample)) return yield* new DoctorCheckFailed({ check: "sample request" })
    })
    // From here on the logs scrub the credentials, as `enrich account`'s do.
    yield* Effect.provide(check, Logging.layerScrubbing(setup.secrets))
  }).pipe(Effect.scoped)

/** The `doctor` command. */
export const command = Command.make("doctor", { sandbox, sandboxAuth: AccountCommand.sandboxAuth }, run).pipe(
  Command.withDescription(Help.describe(
    [
      "Checks the configuration in one screen: the org URL, the auth mode (API token or OAuth service app), the " +
      `granted scopes, one sample request (${sampleRequest}) and the rate-limit headroom of its bucket.`,
      "Exit codes: 0 all is well, 1 a check failed, 2 a configuration error (nothing was sent)."
    ],
    [
      ["enrich doctor", "check OKTA_DOMAIN and OKTA_API_TOKEN (or the OAuth variables) from the env or .env"],
      ["enrich doctor --sandbox --sandbox-auth oauth", "see what a working OAuth setup looks like"]
    ]
  ))
)
