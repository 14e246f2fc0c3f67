/**
 * `enrich sandbox serve [--port N] [--org FILE]`: runs the bundled fake Okta org until Ctrl-C, and prints the
 * `OKTA_DOMAIN` and `OKTA_API_TOKEN` that reach it.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { UsageError } from "./CliError.js"
import * as Help from "./Help.js"
import * as Stdout from "./Stdout.js"

/**
 * The sandbox modules, loaded only when a command needs them: the seed org is decoded when the module loads, and
 * `enrich --version` should not pay for it.
 */
const loadSandbox = Effect.promise(() =>
  Promise.all([import("@enrich/okta/testing/Sandbox"), import("@enrich/okta/testing/SandboxOrg")])
).pipe(Effect.map(([Sandbox, SandboxOrg]) => ({ Sandbox, SandboxOrg })))

/**
 * Starts the sandbox for the lifetime of the scope, with the bundled org or the one in `orgFile`. Fails with a
 * {@link UsageError} when the org file is invalid or the port is taken.
 */
export const start = (options: { readonly port?: number | undefined; readonly orgFile?: string | undefined }) =>
  Effect.gen(function*() {
    const { Sandbox, SandboxOrg } = yield* loadSandbox
    const org = options.orgFile === undefined
      ? undefined
      : yield* SandboxOrg.load(options.orgFile).pipe(
        Effect.mapError((error) => new UsageError({ reason: `--org: ${error.message}` }))
      )
    return yield* Sandbox.make({ org, port: options.port }).pipe(
      Effect.mapError((error) => new UsageError({ reason: error.message }))
    )
  })

const port = Options.integer("port").pipe(
  Options.withAlias("p"),
  Options.withDescription("The loopback port to listen on. Default: any free port."),
  Options.optional
)

const org = Options.text("org").pipe(
  Options.withDescription("A seed-org JSON FILE modelling your own org (same format as the bundled seed-org.json)."),
  Options.optional
)

const serve = Command.make("serve", { port, org }, (flags) =>
  Effect.gen(function*() {
    const portValue = Option.getOrUndefined(flags.port)
    if (portValue !== undefined && (!Number.isInteger(portValue) || portValue < 0 || portValue > 65535)) {
      return yield* new UsageError({ reason: `--port ${portValue}: expected a port number from 0 to 65535` })
    }
    const sandbox = yield* start({ port: portValue, orgFile: Option.getOrUndefined(flags.org) })
    const users = sandbox.org.users.length
    yield* Stdout.write(
      `# Okta sandbox (${users} users) listening on ${sandbox.url}; Ctrl-C to stop.\n` +
        `# Use it from another shell:\n` +
        `export OKTA_DOMAIN=${sandbox.url}\n` +
        // The sandbox's own token, printed on purpose: it only opens this fake org.
        `export OKTA_API_TOKEN=${Redacted.value(sandbox.token)}\n`
    )
    return yield* Effect.never
  }).pipe(Effect.scoped)).pipe(
    Command.withDescription(Help.describe(
      [
        "Runs the bundled sandbox Okta org (a fake org over real HTTP, speaking the Okta API enrich uses) until " +
        "Ctrl-C, and prints the OKTA_DOMAIN and OKTA_API_TOKEN to reach it. Counters and fault injection: " +
        "GET /__sandbox/counters, POST /__sandbox/faults."
      ],
      [
        ["enrich sandbox serve --port 8080", "serve the bundled org on http://127.0.0.1:8080"],
        ["enrich sandbox serve --org my-org.json", "serve your own seed org"],
        [
          "OKTA_DOMAIN=http://127.0.0.1:8080 OKTA_API_TOKEN=sandbox-okta-api-token enrich account jsmith",
          "then, from another shell, enrich against it"
        ]
      ]
    ))
  )

/** The `sandbox` command group. */
export const command = Command.make("sandbox").pipe(
  Command.withDescription(Help.describe(
    ["A fake Okta org to try enrich, and to test code that uses it, without an Okta account."],
    [
      ["enrich sandbox serve", "run the bundled seed org; prints the OKTA_DOMAIN and OKTA_API_TOKEN to use"],
      ["enrich sandbox serve --port 8080 --org my-org.json", "your own org model on a fixed port"],
      ["enrich account jsmith --sandbox", "or skip the server: enrich against an in-process sandbox"]
    ]
  )),
  Command.withSubcommands([serve])
)
