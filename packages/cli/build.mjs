// Bundles the CLI into one ESM file so `enrich` starts fast (no TypeScript loader, no barrel resolution at run time).
import * as esbuild from "esbuild"
import { readFileSync, rmSync } from "node:fs"

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"))

// Chunk names carry content hashes: start from an empty dist/ so stale chunks do not pile up.
rmSync(new URL("./dist", import.meta.url), { recursive: true, force: true })

await esbuild.build({
  // The entry becomes dist/enrich.mjs; modules only some commands need (the sandbox and its seed org, decoded at load)
  // are imported dynamically and split into dist/chunks/, so `enrich --version` does not pay for them.
  entryPoints: { enrich: new URL("./src/bin.ts", import.meta.url).pathname },
  outdir: new URL("./dist", import.meta.url).pathname,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
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
  logLevel: "warning"
})
