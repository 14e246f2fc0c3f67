// Bundles the CLI into one ESM file so `enrich` starts fast (no TypeScript loader, no barrel resolution at run time).
//
// The bundle is written to a directory of its own next to dist/ and renamed into place when it is complete, so a
// reader (`npx enrich`, another test run) never sees a half-written or emptied dist/, a failed build leaves the
// previous one in place, and two builds at once do not write into each other's files.
import * as esbuild from "esbuild"
import { readFileSync, renameSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"))

const dist = fileURLToPath(new URL("./dist", import.meta.url))
const unique = `${process.pid}-${Date.now().toString(36)}`
const staging = `${dist}.tmp-${unique}`

/**
 * `src/internal/nodeHttp.ts` (the transport of a handful of lookups) imports `@effect/platform-node/NodeHttpClient`
 * for its types and its `node:http` layer; that module also holds the undici client, which imports the undici package
 * at load (about 85 ms, and 540 KB to parse). esbuild assigns whole files to chunks, so for that one importer the
 * specifier is resolved to the module that implements the `node:http` client (same exports, same version); the undici
 * client stays in the chunk that only a batch loads (`src/internal/undici.ts`). `test/ColdStart.test.ts` fails if a
 * plain lookup loads undici, and esbuild fails the build if an imported name is missing from the file.
 */
const nodeHttpWithoutUndici = {
  name: "node-http-without-undici",
  setup(build) {
    const pkg = dirname(createRequire(import.meta.url).resolve("@effect/platform-node/package.json"))
    const implementation = join(pkg, "dist", "esm", "internal", "httpClient.js")
    build.onResolve(
      { filter: /^@effect\/platform-node\/NodeHttpClient$/ },
      (args) => args.importer.endsWith(join("src", "internal", "nodeHttp.ts")) ? { path: implementation } : undefined
    )
  }
}

try {
  await esbuild.build({
    // The entry becomes dist/enrich.mjs; modules only some commands need (the sandbox and its seed org, decoded at
    // load) are imported dynamically and split into dist/chunks/, so `enrich --version` does not pay for them.
    entryPoints: { enrich: fileURLToPath(new URL("./src/bin.ts", import.meta.url)) },
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    // Bundle @enrich/core and @enrich/okta from their sources (see scripts/exports.mjs).
    conditions: ["@enrich/source"],
    target: "node20",
    format: "esm",
    minify: true,
    treeShaking: true,
    sourcemap: "linked",
    legalComments: "none",
    define: { "process.env.ENRICH_VERSION": JSON.stringify(pkg.version) },
    // Some CommonJS dependencies call require(): give the ESM bundle one.
    banner: {
      js:
        "import { createRequire as __enrichCreateRequire } from \"node:module\"; const require = __enrichCreateRequire(import.meta.url);"
    },
    logLevel: "warning",
    plugins: [nodeHttpWithoutUndici]
  })
  install(staging, dist)
} finally {
  // After a failure (or a lost race, see install) the staging directory is all that is left to clean.
  rmSync(staging, { recursive: true, force: true })
}

/**
 * Moves the complete build `from` to `to`: the old build is renamed aside, the new one renamed in, then the old one
 * removed. Each rename is atomic, and the gap between the two is one system call. Chunk names carry content hashes,
 * so replacing the whole directory (rather than writing into it) is also what keeps stale chunks from piling up.
 */
function install(from, to) {
  const retired = []
  for (let attempt = 0;; attempt++) {
    const aside = `${to}.old-${unique}-${attempt}`
    try {
      renameSync(to, aside)
      retired.push(aside)
    } catch (error) {
      if (error.code !== "ENOENT") throw error
    }
    try {
      renameSync(from, to)
      break
    } catch (error) {
      // Another build installed its dist/ between our two renames: set it aside too and try again.
      if ((error.code === "ENOTEMPTY" || error.code === "EEXIST") && attempt < 10) continue
      // Put the previous build back rather than leave no dist/ at all.
      if (retired.length > 0) renameSync(retired.pop(), to)
      for (const path of retired) rmSync(path, { recursive: true, force: true })
      throw error
    }
  }
  for (const path of retired) rmSync(path, { recursive: true, force: true })
}
