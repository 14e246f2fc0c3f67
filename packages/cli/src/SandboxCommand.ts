/**
 * `enrich sandbox serve [--port N] [--org FILE]`: runs the bundled fake Okta org until Ctrl-C, and prints the
 * `OKTA_DOMAIN` and `OKTA_API_TOKEN` that reach it.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type * as SandboxOAuthTypes from "@enrich/okta/testing/SandboxOAuth"
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
  Promise.all([
    import("@enrich/okta/testing/Sandbox"),
    import("@enrich/okta/testing/SandboxOrg"),
    import("@enrich/okta/testing/SandboxOAuth")
  ])
).pipe(Effect.map(([Sandbox, SandboxOrg, SandboxOAuth]) => ({ Sandbox, SandboxOrg, SandboxOAuth })))

/** A demo service app for the sandbox: a fresh key pair, its client id, and the env lines that configure enrich. */
export interface DemoApp {
  readonly clientId: string
  /** The private JWK, as `OKTA_PRIVATE_KEY` takes it. Printed only by `sandbox serve --oauth`, on purpose. */
  readonly privateKey: Redacted.Redacted<string>
  readonly env: ReadonlyArray<string>
}

/**
 * Starts the sandbox with a freshly generated demo service app registered (DPoP required, like an API service app
 * created since 2024), for the lifetime of the scope.
 */
export const startWithDemoApp = (
  options: { readonly port?: number | undefined; readonly orgFile?: string | undefined }
) =>
  Effect.gen(function*() {
    const { SandboxOAuth } = yield* loadSandbox
    const pair = yield* SandboxOAuth.generateDemoKeyPair()
    const sandbox = yield* start({
      ...options,
      oauth: { apps: [{ clientId: pair.clientId, publicKeys: [pair.publicJwk], requireDpop: true }] }
    })
    const app: DemoApp = {
      clientId: pair.clientId,
      privateKey: Redacted.make(JSON.stringify(pair.privateJwk)),
      env: pair.env
    }
    return { sandbox, app }
  })

/**
 * Starts the sandbox for the lifetime of the scope, with the bundled org or the one in `orgFile`. Fails with a
 * {@link UsageError} when the org file is invalid or the port is taken.
 */
export const start = (options: {
  readonly port?: number | undefined
  readonly orgFile?: string | undefined
  readonly oauth?: SandboxOAuthTypes.Options | undefined
}) =>
  Effect.gen(function*() {
    const { Sandbox, SandboxOrg } = yield* loadSandbox
    const org = options.orgFile === undefined
      ? undefined
      : yield* SandboxOrg.load(options.orgFile).pipe(
        Effect.mapError((error) => new UsageError({ reason: `--org: ${error.message}` }))
      )
    return yield* Sandbox.make({ org, port: options.port, oauth: options.oauth }).pipe(
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

const oauth = Options.boolean("oauth").pipe(
  Options.withDescription(
    "Also register a demo OAuth service app (DPoP required) and print its OKTA_CLIENT_ID and OKTA_PRIVATE_KEY."
  )
)

const serve = Command.make("serve", { port, org, oauth }, (flags) =>
  Effect.gen(function*() {
    const portValue = Option.getOrUndefined(flags.port)
    if (portValue !== undefined && (!Number.isInteger(portValue) || portValue < 0 || portValue > 65535)) {
      return yield* new UsageError({ reason: `--port ${portValue}: expected a port number from 0 to 65535` })
    }
    const where = { port: portValue, orgFile: Option.getOrUndefined(flags.org) }
    const { app, sandbox } = flags.oauth
      ? yield* startWithDemoApp(where)
      : { app: undefined, sandbox: yield* start(where) }
    const users = sandbox.org.users.length
    yield* Stdout.write(
      `# Okta sandbox (${users} users) listening on ${sandbox.url}; Ctrl-C to stop.\n` +
        `# Use it from another shell:\n` +
        `export OKTA_DOMAIN=${sandbox.url}\n` +
        (app === undefined
          // The sandbox's own token, printed on purpose: it only opens this fake org.
          ? `export OKTA_API_TOKEN=${Redacted.value(sandbox.token)}\n`
          : `# Its demo OAuth service app (DPoP required; a key pair made for this run, printed on purpose: it only\n` +
            `# opens this fake org). The API token ${
              Redacted.value(sandbox.token)
            } works too, but not both at once.\n` +
            app.env.map((line) => `export ${line}\n`).join(""))
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
        ["enrich sandbox serve --oauth", "also print a demo OAuth service app's OKTA_CLIENT_ID and OKTA_PRIVATE_KEY"],
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
