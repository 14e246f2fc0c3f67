// Bundles the CLI into one ESM file so `enrich` starts fast (no TypeScript loader, no barrel resolution at run time).
import * as esbuild from "esbuild"
import { readFileSync } from "node:fs"

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"))

await esbuild.build({
  entryPoints: [new URL("./src/bin.ts", import.meta.url).pathname],
  outfile: new URL("./dist/enrich.mjs", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minifySyntax: true,
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
