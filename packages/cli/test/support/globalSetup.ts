import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/** Builds the CLI bundle once, so the end-to-end tests run the binary users run. */
export default function setup() {
  execFileSync(process.execPath, [fileURLToPath(new URL("../../build.mjs", import.meta.url))], { stdio: "inherit" })
}
