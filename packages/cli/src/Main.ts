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
import * as CliConsole from "./CliConsole.js"
import * as CliError from "./CliError.js"
import * as Logging from "./Logging.js"
import * as Stdout from "./Stdout.js"

// A failed write (`> /dev/full`, `| head -1`) is handled where it is made; without listeners Node would also crash.
Stdout.installErrorListeners()

Cli.run(process.argv).pipe(
  // What @effect/cli needs, and no more (NodeContext would also build a command executor and workers).
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)),
  Effect.provide(Layer.merge(Logging.layer, CliConsole.layer)),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // The pretty logger writes to stdout, which carries only results: Logging.layer logs to stderr instead.
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      const { code, message } = CliError.fromExit(exit)
      if (message !== undefined) Stdout.writeStderr(`enrich: ${message}\n`)
      onExit(code)
    }
  })
)
