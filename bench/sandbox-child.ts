/**
 * Child process of the benchmarks: builds a synthetic org, starts the sandbox on a loopback port, prints
 * `{"url": ...}` on one line, and serves until its stdin closes (the parent exits or stops it).
 *
 * Running the sandbox in its own process keeps its CPU time out of the contenders' figures.
 *
 * Usage: `node --import tsx bench/sandbox-child.ts '<SandboxSpec JSON>'`
 */
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as Effect from "effect/Effect"
import type { SandboxSpec } from "./SandboxProcess.js"
import * as SyntheticOrg from "./SyntheticOrg.js"

const spec = JSON.parse(process.argv[2] ?? "{}") as SandboxSpec
const org = SyntheticOrg.make(spec.org)

const program = Effect.gen(function*() {
  const sandbox = yield* Sandbox.make({
    org,
    ...(spec.rateLimits !== undefined
      ? { rateLimits: { "*": { limit: spec.rateLimits.limit, window: spec.rateLimits.windowMillis } } }
      : { rateLimits: { "*": { limit: Number.MAX_SAFE_INTEGER } } }),
    concurrencyLimit: spec.concurrencyLimit ?? Number.MAX_SAFE_INTEGER,
    latency: spec.latencyMillis ?? 0
  })
  process.stdout.write(JSON.stringify({ url: sandbox.url }) + "\n")
  yield* Effect.never
})

process.stdin.on("end", () => process.exit(0))
process.stdin.on("error", () => process.exit(0))
process.stdin.resume()
Effect.runFork(Effect.scoped(program)).addObserver((exit) => {
  if (exit._tag === "Failure") {
    process.stderr.write(`sandbox failed: ${String(exit.cause)}\n`)
    process.exit(1)
  }
})
