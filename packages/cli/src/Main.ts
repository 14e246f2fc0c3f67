/**
 * Runs the command tree on `process.argv` and turns its outcome into an exit code (loaded by `bin.ts`).
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Cli from "./Cli.js"
import * as CliError from "./CliError.js"
import * as Logging from "./Logging.js"

// `enrich ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(CliError.ExitCode.Ok)
  throw error
})

Cli.run(process.argv).pipe(
  // What @effect/cli needs, and no more (NodeContext would also build a command executor and workers).
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)),
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
