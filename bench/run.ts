/**
 * `npm run bench [-- --quick] [-- --only 1,3,hot,heap,cold] [-- --transport undici|fetch] [-- --out FILE] [-- --check]`
 *
 * `cold` is the cold start (bench/ColdStart.ts: `enrich account` as a whole process against the floor's script).
 * `hot` is the in-process hot path (bench/HotPath.ts: cache hits, enrichAll against Effect.forEach, fibers forked).
 * `--check` runs it alone (unless `--only` says more) and exits 1 when a ratio or a count breaks its limit: a guard
 * that compares figures measured side by side in one run, not against a wall clock.
 *
 * Runs the scenarios of issue 6 against sandboxes in child processes, prints one table and writes every figure as
 * JSON (default `bench/results/<mode>-<timestamp>.json`). See BENCHMARKS.md for what the figures mean.
 */
import { execSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as CacheHeap from "./CacheHeap.js"
import * as ColdStart from "./ColdStart.js"
import * as Contenders from "./Contenders.js"
import * as HotPath from "./HotPath.js"
import { table } from "./Report.js"
import type { Row } from "./Report.js"
import * as SandboxProcess from "./SandboxProcess.js"
import * as Scenarios from "./Scenarios.js"

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    transport: { type: "string", default: "undici" },
    out: { type: "string" },
    check: { type: "boolean", default: false }
  }
})

if (args.transport !== "undici" && args.transport !== "fetch") {
  console.error(`--transport must be undici or fetch, got ${args.transport}`)
  process.exit(2)
}
const transport: Contenders.Transport = args.transport
const sizes = args.quick ? Scenarios.quick : Scenarios.full
const only = args.only === undefined
  ? args.check ? new Set(["hot"]) : undefined
  : new Set(args.only.split(",").map((s) => s.trim()))
const wanted = (n: number | "hot" | "heap" | "cold") => only === undefined || only.has(String(n))

const log = (line: string) => process.stderr.write(`${line}\n`)

const shell = (command: string): string => {
  try {
    return execSync(command, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return "unknown"
  }
}

const machine = {
  cpus: Os.availableParallelism(),
  cpuModel: Os.cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(Os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${Os.platform()} ${Os.release()}`,
  oktaSdk: Contenders.sdkVersion()
}
const commit = shell("git rev-parse --short HEAD")
const dirty = shell("git status --porcelain -- packages bench") !== ""

const main = async () => {
  const started = performance.now()
  log(`enrich bench (${args.quick ? "quick" : "full"}), ${machine.cpus} CPUs, node ${machine.node}, commit ${commit}`)

  // The sandboxes start together (each builds its org in its own process).
  const orgUsers = 1 + sizes.warmupAccounts + sizes.overheadAccounts + 3
  const [open, slow, limited] = await Promise.all([
    wanted(1) || wanted(4) || wanted(5)
      ? SandboxProcess.start({ org: { users: orgUsers, bigUserGroups: sizes.bigGroups } })
      : undefined,
    wanted(2)
      ? SandboxProcess.start({ org: { users: 20 * sizes.latencyAccounts + 20 }, latencyMillis: sizes.latencyMillis })
      : undefined,
    wanted(3)
      ? SandboxProcess.start({
        org: { users: 2 * sizes.rateAccounts },
        rateLimits: { limit: sizes.rateLimit, windowMillis: sizes.rateWindowMillis },
        concurrencyLimit: sizes.rateConcurrencyLimit,
        // Without latency the sandbox answers each request before reading the next: nothing would be in flight.
        latencyMillis: sizes.latencyMillis
      })
      : undefined
  ])
  log(`sandboxes ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const ctx: Scenarios.Context = { sizes, transport, log }
  const rows: Array<Row> = []
  const details: Record<string, unknown> = {}
  const scenarios: ReadonlyArray<
    readonly [number, string, SandboxProcess.SandboxProcess | undefined, typeof Scenarios.overhead]
  > = [
    [1, "overhead", open, Scenarios.overhead],
    [2, "latency", slow, Scenarios.latency],
    [3, "rateLimits", limited, Scenarios.rateLimits],
    [4, "cache", open, Scenarios.cache],
    [5, "bigAccount", open, Scenarios.bigAccount]
  ]
  try {
    for (const [n, name, sandbox, scenario] of scenarios) {
      if (!wanted(n) || sandbox === undefined) continue
      log(`scenario ${n}: ${name}`)
      const t = performance.now()
      const outcome = await scenario(ctx, sandbox)
      rows.push(...outcome.rows)
      details[name] = outcome.details
      log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`)
      // Stop a sandbox after its last scenario: a capped contender's leftover requests then fail at once instead of
      // running on during the next scenario.
      if (!scenarios.some(([later, , other]) => later > n && other === sandbox && wanted(later))) await sandbox.stop()
    }
  } finally {
    await Promise.all([open?.stop(), slow?.stop(), limited?.stop()])
  }

  let broken: ReadonlyArray<string> = []
  if (wanted("hot")) {
    log("hot path (in process)")
    const figures = await HotPath.measure(
      args.quick || args.check ? { hits: 20_000, items: 5_000, rounds: 5 } : { hits: 200_000, items: 20_000, rounds: 7 }
    )
    details.hotPath = { ...figures, loadAverage: Os.loadavg() }
    rows.push(...HotPath.rows(figures))
    broken = HotPath.check(figures)
  }

  if (wanted("heap")) {
    log("heap per cached entry (in process)")
    const figures = await CacheHeap.measure(args.quick ? 10_000 : 100_000, args.quick ? 100 : 1000)
    details.cacheHeap = figures
    log(`  ${JSON.stringify(figures)}`)
  }

  if (wanted("cold")) {
    log("cold start (whole processes)")
    const figures = await ColdStart.measure({ rounds: args.quick ? 5 : 15, log })
    details.coldStart = { ...figures, loadAverage: Os.loadavg() }
    rows.push(...ColdStart.rows(figures))
  }

  const output = table(rows)
  process.stdout.write(`${output}\n`)
  const result = {
    date: new Date().toISOString(),
    mode: args.quick ? "quick" : "full",
    commit,
    dirty,
    transport,
    machine,
    sizes,
    durationSeconds: (performance.now() - started) / 1000,
    rows,
    details
  }
  const out = args.out ??
    join(
      dirname(fileURLToPath(import.meta.url)),
      "results",
      `${result.mode}-${result.date.replace(/[:.]/g, "-")}.json`
    )
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  log(`figures written to ${out} (${result.durationSeconds.toFixed(0)} s in all)`)
  if (args.check) {
    for (const line of broken) log(`check: ${line}`)
    log(broken.length === 0 ? "check: every hot-path limit holds" : "check: FAILED")
    if (broken.length > 0) process.exit(1)
  }
}

main().then(
  // Keep-alive sockets of the contenders would hold the process open.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
