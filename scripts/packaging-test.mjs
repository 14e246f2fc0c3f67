// The packaging test: what an app outside this repository gets from the three packages.
//
//   node scripts/packaging-test.mjs [--node-versions 22,24] [--keep]
//
// 1. `npm pack`s @enrich/core, @enrich/okta and @enrich/cli (their prepack scripts build dist/), and checks that every
//    `exports` target and the `bin` of each tarball is in it.
// 2. Installs the tarballs into an empty temporary project (no workspace, nothing from this repository) with the
//    Effect versions the README tells users to install, and checks that there is exactly one copy of `effect`.
// 3. (a) runs a plain .mjs Effect program that looks jsmith up on the sandbox through @enrich/okta/testing,
//    (b) type-checks a strict .ts consumer of the published types with `tsc --noEmit`,
//    (c) runs the installed `enrich --version` and `enrich account jsmith --sandbox`.
// 4. Checks that installing @enrich/core next to Effect 4 fails at install (the peer range), not at run time.
// 5. With --node-versions, repeats (a) and (c) under each Node.js major given, with the binaries of the
//    `node-<platform>-<arch>` npm packages (from the npm registry, like every other download here).
//
// It needs the npm registry (or npm's cache) and nothing else. Any failed step exits 1 naming the step.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const here = fileURLToPath(new URL(".", import.meta.url))
const args = process.argv.slice(2)
const keep = args.includes("--keep")
const nodeVersions = (() => {
  const at = args.indexOf("--node-versions")
  return at === -1 ? [] : args[at + 1].split(",").map((v) => v.trim()).filter(Boolean)
})()

/** What a user installs next to the packages (the README says the same). */
export const effectPackages = ["effect@^3.22.4", "@effect/platform@^0.97.2", "@effect/platform-node@^0.108.2"]

const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const timings = []
let failures = 0

const step = (name, f) => {
  const started = Date.now()
  try {
    const result = f()
    timings.push([name, Date.now() - started, "ok"])
    process.stdout.write(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`)
    return result
  } catch (error) {
    failures++
    timings.push([name, Date.now() - started, "FAILED"])
    process.stdout.write(`FAIL ${name}\n${String(error?.stack ?? error).replace(/^/gm, "     ")}\n`)
    return undefined
  }
}

const run = (command, commandArgs, options = {}) => {
  const result = spawnSync(command, commandArgs, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options })
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${commandArgs.join(" ")} exited with ${
        result.status ?? result.signal
      }\n${result.stdout}\n${result.stderr}`
    )
  }
  return result
}

const work = mkdtempSync(join(tmpdir(), "enrich-packaging-"))
const tarballs = join(work, "tarballs")
const app = join(work, "app")
mkdirSync(tarballs)
mkdirSync(app)

// 1. Pack, and check each tarball holds what its package.json points to.
const packed = step("npm pack @enrich/core @enrich/okta @enrich/cli (builds dist/)", () => {
  const out = run(npm, [
    "pack",
    "--json",
    "--pack-destination",
    tarballs,
    "--workspace",
    "@enrich/core",
    "--workspace",
    "@enrich/okta",
    "--workspace",
    "@enrich/cli"
  ], { cwd: root })
  // prepack scripts print their own output before the JSON.
  return JSON.parse(out.stdout.slice(out.stdout.indexOf("\n[") + 1))
})
if (packed === undefined) finish()

const targetsOf = (exportsMap) =>
  Object.values(exportsMap).flatMap((value) =>
    typeof value === "string" ? [value] : Object.entries(value).map(([, target]) => target)
  )

step("every exports target, bin and types file is in its tarball", () => {
  const problems = []
  for (const pack of packed) {
    const files = new Set(pack.files.map((file) => file.path))
    const pkg = JSON.parse(readFileSync(join(root, "packages", pack.name.split("/")[1], "package.json"), "utf8"))
    const targets = [...targetsOf(pkg.exports ?? {}), ...Object.values(pkg.bin ?? {})]
    for (const target of targets) {
      if (!files.has(target.replace(/^\.\//, ""))) problems.push(`${pack.name}: ${target} is not in the tarball`)
    }
    if (pack.name === "@enrich/cli" && !files.has("dist/enrich.mjs")) problems.push("@enrich/cli: no dist/enrich.mjs")
    const leaked = [...files].filter((file) =>
      /(^|\/)(test|node_modules)\//.test(file) || file.endsWith(".tsbuildinfo")
    )
    if (leaked.length > 0) problems.push(`${pack.name}: files that should not ship: ${leaked.join(", ")}`)
  }
  if (problems.length > 0) throw new Error(problems.join("\n"))
})

// 2. An empty project that installs the tarballs, as a user would.
const tgz = packed.map((pack) => join(tarballs, pack.filename))
writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }, null, 2))
for (const file of ["lookup.mjs", "consumer.ts", "tsconfig.json"]) {
  writeFileSync(join(app, file), readFileSync(join(here, "consumer", file)))
}
const installed = step(`npm install the tarballs ${effectPackages.join(" ")} typescript @types/node`, () =>
  run(npm, [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    ...tgz,
    ...effectPackages,
    "typescript@~5.9.3",
    "@types/node@^20.19.0"
  ], { cwd: app }))
if (installed === undefined) finish()

step("one copy of effect (npm query #effect)", () => {
  const copies = JSON.parse(run(npm, ["query", "#effect"], { cwd: app }).stdout)
  if (copies.length !== 1) {
    throw new Error(`expected one copy of effect, found ${copies.map((c) => `${c.location}@${c.version}`).join(", ")}`)
  }
})

step("no TypeScript loader or dev dependency came with @enrich/cli", () => {
  const cli = JSON.parse(readFileSync(join(app, "node_modules/@enrich/cli/package.json"), "utf8"))
  if (Object.keys(cli.dependencies ?? {}).length > 0) {
    throw new Error(`@enrich/cli has runtime dependencies: ${Object.keys(cli.dependencies).join(", ")}`)
  }
  for (const name of ["tsx", "esbuild", "vitest"]) {
    if (existsSync(join(app, "node_modules", name))) throw new Error(`${name} was installed`)
  }
})

const enrichBin = join(app, "node_modules/.bin/enrich")

const runtimeChecks = (node, label) => {
  step(`${label}(a) a plain .mjs program looks jsmith up on the sandbox through @enrich/okta/testing`, () => {
    const out = run(node, ["lookup.mjs"], { cwd: app }).stdout
    if (!out.includes("\"login\":\"jsmith@example.com\"")) throw new Error(`unexpected output: ${out}`)
  })
  step(`${label}(c) the installed enrich --version`, () => {
    const out = run(node, [enrichBin, "--version"], { cwd: app }).stdout.trim()
    const version = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8")).version
    if (out !== version) throw new Error(`expected ${version}, got ${out}`)
  })
  step(`${label}(c) the installed enrich account jsmith --sandbox`, () => {
    const out = run(node, [enrichBin, "account", "jsmith", "--sandbox"], { cwd: app }).stdout
    const result = JSON.parse(out)
    if (result.enrichment?.okta?.extracted?.found !== true) throw new Error(`unexpected output: ${out}`)
  })
}

runtimeChecks(process.execPath, "")

step("(b) tsc --noEmit (strict) on a TypeScript consumer of the published types", () => {
  run(process.execPath, [join(app, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: app })
})

// 4. Effect 4 next to @enrich/core must be refused by npm itself.
step("npm refuses @enrich/core next to effect@4 (ERESOLVE, peer range)", () => {
  const other = join(work, "effect4")
  mkdirSync(other)
  writeFileSync(join(other, "package.json"), JSON.stringify({ name: "effect4-app", private: true }))
  const core = tgz.find((file) => file.includes("enrich-core"))
  const result = run(npm, ["install", "--dry-run", "--no-audit", "--no-fund", "--prefer-offline", core, "effect@^4"], {
    cwd: other,
    allowFailure: true
  })
  if (result.status === 0 || !`${result.stdout}${result.stderr}`.includes("ERESOLVE")) {
    throw new Error(`expected npm to fail with ERESOLVE, got exit ${result.status}\n${result.stderr}`)
  }
})

// 5. Other Node.js majors, with binaries from the npm registry.
for (const major of nodeVersions) {
  const dir = join(work, `node${major}`)
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `node${major}`, private: true }))
  const name = `node-${process.platform}-${process.arch}`
  const node = step(`install Node.js ${major} (${name}@${major} from the npm registry)`, () => {
    run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", `${name}@${major}`], { cwd: dir })
    const binary = join(dir, "node_modules", name, "bin", "node")
    const version = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim()
    if (!version.startsWith(`v${major}.`)) throw new Error(`expected Node.js ${major}, got ${version}`)
    process.stdout.write(`     ${version}\n`)
    return binary
  })
  if (node !== undefined) runtimeChecks(node, `node ${major}: `)
}

finish()

function finish() {
  if (!keep) rmSync(work, { recursive: true, force: true })
  else process.stdout.write(`kept ${work}\n`)
  const total = timings.reduce((sum, [, ms]) => sum + ms, 0)
  const passed = timings.filter(([, , status]) => status === "ok").length
  process.stdout.write(`packaging test: ${(total / 1000).toFixed(1)} s\n${passed} passed, ${failures} failed\n`)
  process.exit(failures > 0 ? 1 : 0)
}
