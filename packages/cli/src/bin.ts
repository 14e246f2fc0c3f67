/**
 * The `enrich` entry point, bundled to dist/enrich.mjs. Kept tiny: `enrich --version` answers without loading Effect;
 * everything else loads {@link Main} (a separate chunk of the bundle).
 *
 * @since 0.1.0
 */
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${process.env.ENRICH_VERSION ?? "0.0.0-dev"}\n`)
} else {
  await import("./Main.js")
}
