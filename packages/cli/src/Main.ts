/**
 * The `enrich` entry point (bundled to dist/enrich.mjs): runs the command tree and turns its outcome into an exit code.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Cli from "./Cli.js"
import * as CliError from "./CliError.js"
import * as Logging from "./Logging.js"

// `enrich ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(CliError.ExitCode.Ok)
  throw error
})

Cli.run(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  Effect.provide(Logging.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // The pretty logger writes to stdout, which carries only results: Logging.layer logs to stderr instead.
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      const { code, message } = CliError.fromExit(exit)
      if (message !== undefined) process.stderr.write(`enrich: ${Logging.scrub(message)}\n`)
      onExit(code)
    }
  })
)
