/**
 * The `enrich` entry point, bundled to dist/enrich.mjs. Kept tiny: `enrich --version` answers without loading Effect;
 * everything else loads {@link Main} (a separate chunk of the bundle).
 *
 * @since 0.1.0
 */
import * as Module from "node:module"

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${process.env.ENRICH_VERSION ?? "0.0.0-dev"}\n`)
} else {
  // Node 22.1+ keeps V8's compiled code of the bundle's chunks in a cache directory (the OS temp directory, or
  // NODE_COMPILE_CACHE), so later runs skip most of the parsing and compiling, a large part of the start-up. Node 20
  // has no such API: nothing happens. It must run before Main and its chunks are imported.
  const enableCompileCache: unknown = Reflect.get(Module, "enableCompileCache")
  if (typeof enableCompileCache === "function") enableCompileCache.call(Module)
  await import("./Main.js")
}
