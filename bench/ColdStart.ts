/**
 * Cold start (`npm run bench -- --only cold`): one account looked up by a whole new process, against a sandbox that is
 * already running (`enrich sandbox serve`, started once), as someone typing `enrich account jsmith` would.
 *
 * - enrich: `node packages/cli/bin/enrich.mjs account <login> --cache none` (the built bundle: run `npm run build`);
 * - the floor: a plain Node script with `fetch` making the same 4 requests (the user by login, then its groups,
 *   factors and roles at once, as bench/Contenders.ts's baseline does) and printing them as JSON.
 *
 * Every variant is a whole process, run in alternating rounds (so a busy moment of the machine hits all of them), and
 * the medians are reported: wall time (spawn to exit, measured by this process) and CPU time (user + system, read by
 * a tiny `--import` probe in the child at exit, the same probe for every variant). The split of enrich's time:
 *
 * - node start: `node -e 0`;
 * - load + parse: `enrich account` with no account (the bundle is imported, the line parsed, exit 2), minus node start;
 * - config: `enrich account <login>` with an empty `OKTA_API_TOKEN` (the configuration is read, exit 2), minus the above;
 * - lookup: the whole lookup minus the above (the 4 requests, their decoding and the output).
 *
 * On Node 22+ enrich runs with Node's compile cache (made by the warm-up round, as for anyone's second run); "no code
 * cache" (`NODE_DISABLE_COMPILE_CACHE=1`) shows a run without it. Node 20 has no compile cache: both are the same.
 *
 * On a machine shared with other work, wall time is noise: read the CPU column (and the ratio) first.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { Row } from "./Report.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const enrichBin = Path.join(root, "packages", "cli", "bin", "enrich.mjs")
const bundle = Path.join(root, "packages", "cli", "dist", "enrich.mjs")

/** The floor: what a person would write with `fetch` for the same lookup (see Contenders.baseline). */
const floorScript = `
const base = process.env.OKTA_DOMAIN
const headers = { Authorization: "SSWS " + process.env.OKTA_API_TOKEN, Accept: "application/json" }
const get = async (url) => {
  const response = await fetch(url.startsWith("http") ? url : base + url, { headers })
  if (!response.ok && response.status !== 404) throw new Error("GET " + url + ": HTTP " + response.status)
  return response
}
const getJson = async (path) => {
  const response = await get(path)
  if (response.status === 404) {
    await response.arrayBuffer()
    return undefined
  }
  return response.json()
}
const getAll = async (path) => {
  const items = []
  for (let next = path; next !== undefined;) {
    const response = await get(next)
    items.push(...(await response.json()))
    const link = /<([^>]+)>\\s*;\\s*rel="next"/.exec(response.headers.get("link") ?? "")
    next = link === null ? undefined : link[1]
  }
  return items
}
const user = await getJson("/api/v1/users/" + encodeURIComponent(process.argv[2]))
const result = { user }
if (user !== undefined) {
  const id = encodeURIComponent(user.id)
  const [groups, factors, roles] = await Promise.all([
    getAll("/api/v1/users/" + id + "/groups"),
    getJson("/api/v1/users/" + id + "/factors"),
    getJson("/api/v1/users/" + id + "/roles")
  ])
  Object.assign(result, { groups, factors, roles })
}
process.stdout.write(JSON.stringify(result, null, 2) + "\\n")
`

/** Reports the child's own CPU time and uptime on fd 3 as it exits (loaded with `--import` into every variant). */
const probeScript = `import { writeSync } from "node:fs"
process.on("exit", () => {
  const cpu = process.cpuUsage()
  try { writeSync(3, JSON.stringify({ cpuMillis: (cpu.user + cpu.system) / 1000, uptimeMillis: performance.now() })) } catch {}
})
`

/** One process's figures. */
interface Sample {
  readonly wallMillis: number
  readonly cpuMillis: number
  readonly code: number | null
}

interface Variant {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string | undefined>
  /** The exit code it must end with (a wrong one means the variant measures something else). */
  readonly code: number
}

const runOnce = (dir: string, probe: string, variant: Variant): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--import", probe, ...variant.args], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: "", ...variant.env },
      stdio: ["ignore", "ignore", "pipe", "pipe"]
    })
    let stderr = ""
    let report = ""
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdio[3]?.on("data", (chunk: Buffer) => (report += chunk.toString()))
    child.once("error", reject)
    child.once("close", (code) => {
      const wallMillis = performance.now() - started
      if (code !== variant.code) {
        return reject(new Error(`${variant.name}: exit ${code}, expected ${variant.code}: ${stderr.slice(0, 500)}`))
      }
      try {
        const { cpuMillis } = JSON.parse(report) as { cpuMillis: number }
        resolve({ wallMillis, cpuMillis, code })
      } catch {
        reject(new Error(`${variant.name}: no CPU report from the probe`))
      }
    })
  })

/** Starts `enrich sandbox serve` on a free port; resolves with its domain and token, and a stop function. */
const serveSandbox = (): Promise<{ domain: string; token: string; stop: () => Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [enrichBin, "sandbox", "serve"], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    const onExit = (code: number | null) => reject(new Error(`enrich sandbox serve exited early (code ${code})`))
    child.once("exit", onExit)
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const domain = /export OKTA_DOMAIN=(\S+)/.exec(out)?.[1]
      const token = /export OKTA_API_TOKEN=(\S+)/.exec(out)?.[1]
      if (domain === undefined || token === undefined) return
      child.off("exit", onExit)
      resolve({
        domain,
        token,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once("exit", () => done())
            child.kill("SIGINT")
          })
      })
    })
  })

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The medians of every variant, in milliseconds. */
export interface Figures {
  readonly rounds: number
  readonly login: string
  readonly medians: Record<string, { readonly wallMillis: number; readonly cpuMillis: number }>
  readonly split: {
    readonly nodeStartMillis: number
    readonly loadAndParseMillis: number
    readonly configMillis: number
    readonly lookupMillis: number
  }
  readonly ratioWall: number
  readonly ratioCpu: number
}

/** Runs every variant `rounds` times, alternating, against one `enrich sandbox serve`. */
export const measure = async (options: {
  readonly rounds: number
  readonly log: (line: string) => void
}): Promise<Figures> => {
  if (!Fs.existsSync(bundle)) throw new Error("the CLI is not built: run `npm run build` first")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-cold-"))
  const floor = Path.join(dir, "floor.mjs")
  const probe = Path.join(dir, "probe.mjs")
  Fs.writeFileSync(floor, floorScript)
  Fs.writeFileSync(probe, probeScript)
  const sandbox = await serveSandbox()
  const login = "jsmith"
  // No .env of the repository is read: every variant runs in the empty temporary directory.
  const okta = { OKTA_DOMAIN: sandbox.domain, OKTA_API_TOKEN: sandbox.token }
  const variants: ReadonlyArray<Variant> = [
    { name: "node -e 0", args: ["-e", "0"], env: {}, code: 0 },
    { name: "enrich --version", args: [enrichBin, "--version"], env: {}, code: 0 },
    { name: "enrich account (no account)", args: [enrichBin, "account"], env: okta, code: 2 },
    {
      name: "enrich account, empty token",
      args: [enrichBin, "account", login, "--cache", "none"],
      env: { ...okta, OKTA_API_TOKEN: "" },
      code: 2
    },
    { name: "floor", args: [floor, login], env: okta, code: 0 },
    { name: "enrich account", args: [enrichBin, "account", login, "--cache", "none"], env: okta, code: 0 },
    {
      name: "enrich account, no code cache",
      args: [enrichBin, "account", login, "--cache", "none"],
      env: { ...okta, NODE_DISABLE_COMPILE_CACHE: "1" },
      code: 0
    }
  ]
  const samples = new Map<string, Array<Sample>>(variants.map((variant) => [variant.name, []]))
  try {
    // One warm-up round (the file system cache), not counted.
    for (const variant of variants) await runOnce(dir, probe, variant)
    for (let round = 0; round < options.rounds; round++) {
      // The order rotates each round, so no variant always runs right after another.
      for (let i = 0; i < variants.length; i++) {
        const variant = variants[(i + round) % variants.length]
        samples.get(variant.name)?.push(await runOnce(dir, probe, variant))
      }
    }
  } finally {
    await sandbox.stop()
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  const medians = Object.fromEntries(
    [...samples].map(([name, list]) => [name, {
      wallMillis: median(list.map((s) => s.wallMillis)),
      cpuMillis: median(list.map((s) => s.cpuMillis))
    }])
  )
  const wall = (name: string) => medians[name].wallMillis
  for (const [name, m] of Object.entries(medians)) {
    options.log(
      `  ${name.padEnd(30)} wall ${m.wallMillis.toFixed(1).padStart(7)} ms   cpu ${m.cpuMillis.toFixed(1)} ms`
    )
  }
  return {
    rounds: options.rounds,
    login,
    medians,
    split: {
      nodeStartMillis: wall("node -e 0"),
      loadAndParseMillis: wall("enrich account (no account)") - wall("node -e 0"),
      configMillis: wall("enrich account, empty token") - wall("enrich account (no account)"),
      lookupMillis: wall("enrich account") - wall("enrich account, empty token")
    },
    ratioWall: wall("enrich account") / wall("floor"),
    ratioCpu: medians["enrich account"].cpuMillis / medians.floor.cpuMillis
  }
}

/** The table rows of the cold start. */
export const rows = (figures: Figures): ReadonlyArray<Row> => {
  const scenario = "7. Cold start (a whole process, one account by login, sandbox already running)"
  const enrich = figures.medians["enrich account"]
  const floor = figures.medians.floor
  const { split } = figures
  return [
    {
      scenario,
      measure: `wall time, median of ${figures.rounds} (goal: enrich <= 1.5x the floor)`,
      unit: "ms",
      values: { enrich: enrich.wallMillis, fetch: floor.wallMillis },
      ratios: true,
      note: `node start ${split.nodeStartMillis.toFixed(0)} ms, load + parse ${
        split.loadAndParseMillis.toFixed(0)
      } ms, config ${split.configMillis.toFixed(0)} ms, lookup ${split.lookupMillis.toFixed(0)} ms`
    },
    {
      scenario,
      measure: `CPU time (user + system), median of ${figures.rounds}`,
      unit: "ms",
      values: { enrich: enrich.cpuMillis, fetch: floor.cpuMillis },
      ratios: true,
      note: `without the code cache ${figures.medians["enrich account, no code cache"].cpuMillis.toFixed(0)} ms; ` +
        `node -e 0: ${figures.medians["node -e 0"].cpuMillis.toFixed(0)} ms; enrich --version: ${
          figures.medians["enrich --version"].cpuMillis.toFixed(0)
        } ms`
    }
  ]
}
