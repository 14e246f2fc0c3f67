/**
 * build.mjs, the bundler behind `enrich`: it installs a complete dist/ or none, so `npx enrich` or a second test run
 * never reads a half-built or emptied one. Run on a tiny package of its own (a copy of build.mjs next to a two-module
 * src/), so these tests do not touch the real dist/ the other end-to-end tests are running.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const buildScript = fileURLToPath(new URL("../build.mjs", import.meta.url))
const nodeModules = fileURLToPath(new URL("../../../node_modules", import.meta.url))

/** A package with build.mjs and a src/bin.ts that prints `version` from a lazily imported chunk; removed after. */
const makePackage = (version: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-build-test-"))
      Fs.copyFileSync(buildScript, Path.join(dir, "build.mjs"))
      Fs.symlinkSync(nodeModules, Path.join(dir, "node_modules"), "dir")
      Fs.writeFileSync(Path.join(dir, "package.json"), JSON.stringify({ name: "build-test", version, type: "module" }))
      Fs.mkdirSync(Path.join(dir, "src"))
      writeSource(dir, version)
      return dir
    }),
    (dir) =>
      Effect.sync(() => {
        // The link first, so removing the directory can never reach into the real node_modules.
        Fs.unlinkSync(Path.join(dir, "node_modules"))
        Fs.rmSync(dir, { recursive: true, force: true })
      })
  )

const writeSource = (dir: string, version: string) => {
  Fs.writeFileSync(
    Path.join(dir, "src", "bin.ts"),
    "const lazy = await import(\"./Lazy.js\")\nconsole.log(lazy.value)\n"
  )
  Fs.writeFileSync(Path.join(dir, "src", "Lazy.ts"), `export const value: string = ${JSON.stringify(version)}\n`)
}

/** Runs build.mjs in `dir`; resolves with its exit code. */
const build = (dir: string): Effect.Effect<number | null> =>
  Effect.async<number | null>((resume) => {
    const child = spawn(process.execPath, [Path.join(dir, "build.mjs")], { cwd: dir, stdio: "ignore" })
    child.on("close", (code) => resume(Effect.succeed(code)))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** What the built bundle prints. */
const runBuilt = (dir: string): string =>
  execFileSync(process.execPath, [Path.join(dir, "dist", "enrich.mjs")], { encoding: "utf8" }).trim()

const listing = (dir: string): ReadonlyArray<string> => Fs.readdirSync(dir).sort()

describe("build.mjs", () => {
  it.scoped("a failed build leaves the previous dist/ in place, whole", () =>
    Effect.gen(function*() {
      const dir = yield* makePackage("v1")
      expect(yield* build(dir)).toBe(0)
      const before = listing(Path.join(dir, "dist", "chunks"))
      Fs.writeFileSync(Path.join(dir, "src", "Lazy.ts"), "export const value = (\n")
      expect(yield* build(dir)).not.toBe(0)
      expect(runBuilt(dir)).toBe("v1")
      expect(listing(Path.join(dir, "dist", "chunks"))).toEqual(before)
      expect(listing(dir)).toEqual(["build.mjs", "dist", "node_modules", "package.json", "src"])
    }))

  it.scoped("a build replaces dist/ whole (no stale chunk survives) and leaves nothing beside it", () =>
    Effect.gen(function*() {
      const dir = yield* makePackage("v1")
      expect(yield* build(dir)).toBe(0)
      Fs.writeFileSync(Path.join(dir, "dist", "chunks", "stale.mjs"), "")
      writeSource(dir, "v2")
      expect(yield* build(dir)).toBe(0)
      expect(runBuilt(dir)).toBe("v2")
      expect(listing(Path.join(dir, "dist", "chunks"))).not.toContain("stale.mjs")
      expect(listing(dir)).toEqual(["build.mjs", "dist", "node_modules", "package.json", "src"])
    }))

  it.scoped("builds at once all succeed and leave one complete dist/", () =>
    Effect.gen(function*() {
      const dir = yield* makePackage("v1")
      expect(yield* build(dir)).toBe(0)
      writeSource(dir, "v2")
      const codes = yield* Effect.all(Array.from({ length: 4 }, () => build(dir)), { concurrency: "unbounded" })
      expect(codes).toEqual([0, 0, 0, 0])
      expect(runBuilt(dir)).toBe("v2")
      expect(listing(dir)).toEqual(["build.mjs", "dist", "node_modules", "package.json", "src"])
    }))
})
