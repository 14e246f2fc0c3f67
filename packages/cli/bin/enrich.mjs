#!/usr/bin/env node
// The `enrich` binary runs the bundled build (packages/cli/dist/enrich.mjs), never a TypeScript loader:
// start-up time matters to people typing `enrich account X` by hand.
try {
  await import("../dist/enrich.mjs")
} catch (error) {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/enrich.mjs")) {
    process.stderr.write("enrich: the CLI is not built yet; run `npm run build` in the repository root\n")
    process.exit(2)
  }
  throw error
}
