/**
 * What a cold `enrich account` loads. A plain API-token lookup (the common case, typed by hand) must not load, parse
 * or evaluate the code of features it does not use: OAuth and `jose`, Redis, OpenTelemetry, the sandbox, the progress
 * bar (stderr is not a terminal), undici, and node's built-in `fetch` (a handful of lookups go over `node:http`:
 * fetch's internals take about 90 ms to load, and its idle socket holds the exit about 65 ms). Checked on the real
 * bundle, run against a sandbox started here: every file of dist/ the process loads is recorded by a module loader
 * hook, and each one's source map says which sources it holds; node's own modules loaded are read from
 * `process.moduleLoadList` at exit. Not a timing test: it counts what is loaded, not how long it takes.
 *
 * And since OAuth is now loaded only when one of its variables is set, each of those variables still reaches it: set
 * beside an API token (or to a value OAuth refuses), it is still named in a configuration error (exit 2).
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as EnvConfig from "../src/EnvConfig.js"
import * as Cli from "./support/Cli.js"

const dist = fileURLToPath(new URL("../dist/", import.meta.url))

/** Sources that a plain API-token lookup must not load (matched against the source map's `sources`). */
const unwanted: ReadonlyArray<readonly [string, RegExp]> = [
  ["jose", /node_modules\/jose\//],
  ["the OAuth client", /okta\/src\/(OktaOAuth|internal\/oauth)/],
  ["ioredis", /node_modules\/(ioredis|@ioredis)\//],
  ["OpenTelemetry", /node_modules\/(@effect\/opentelemetry|@opentelemetry)\//],
  ["the sandbox", /okta\/src\/testing\//],
  ["cli-progress", /node_modules\/cli-progress\//],
  ["undici", /node_modules\/undici\//]
]

/**
 * A module loader hook (registered with `--import`) that appends the URL of every module loaded to the file named by
 * ENRICH_TEST_LOADED. The hooks run on a thread of their own, which has the environment too. At exit, the main thread
 * appends the node internals it loaded (`node:internal/...`), from `process.moduleLoadList`.
 */
const hook = (dir: string): string => {
  const hooks = Path.join(dir, "hooks.mjs")
  Fs.writeFileSync(
    hooks,
    "import { appendFileSync } from \"node:fs\"\n" +
      "export async function load(url, context, next) {\n" +
      "  appendFileSync(process.env.ENRICH_TEST_LOADED, url + \"\\n\")\n" +
      "  return next(url, context)\n" +
      "}\n"
  )
  const register = Path.join(dir, "register.mjs")
  Fs.writeFileSync(
    register,
    `import { appendFileSync } from "node:fs"\nimport { register } from "node:module"\n` +
      `register(${JSON.stringify(`file://${hooks}`)})\n` +
      "process.on(\"exit\", () => appendFileSync(process.env.ENRICH_TEST_LOADED, process.moduleLoadList\n" +
      "  .filter((m) => m.startsWith(\"NativeModule \")).map((m) => `node:${m.slice(13)}\\n`).join(\"\")))\n"
  )
  return register
}

/** Runs the binary, as `Cli.run` does, with the loader hook of {@link hook} registered first. */
const runWithHook = (
  dir: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Effect.Effect<Cli.Result> =>
  Effect.async<Cli.Result>((resume) => {
    const child = spawn(process.execPath, ["--import", hook(dir), Cli.binary, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => stdout += text)
    child.stderr.setEncoding("utf8").on("data", (text: string) => stderr += text)
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** The sources bundled into a file of dist/, from its source map. */
const sourcesOf = (file: string): ReadonlyArray<string> => {
  const map = JSON.parse(Fs.readFileSync(`${file}.map`, "utf8")) as { readonly sources: ReadonlyArray<string> }
  return map.sources
}

describe("a cold `enrich account` with an API token", () => {
  layer(Sandbox.layer(), { timeout: 60_000, excludeTestServices: true })((it) => {
    it.effect("loads neither OAuth, Redis, OpenTelemetry, the sandbox, the progress bar, undici nor fetch", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.Sandbox
        const dir = Cli.tempDir()
        const loaded = Path.join(dir, "loaded.txt")
        const result = yield* runWithHook(dir, ["account", "jsmith", "--cache", "none"], {
          OKTA_DOMAIN: sandbox.url,
          OKTA_API_TOKEN: Redacted.value(sandbox.token),
          ENRICH_TEST_LOADED: loaded
        })
        expect(result.code, result.stderr).toBe(0)
        expect(JSON.parse(result.stdout).enrichment.okta.extracted.login).toBe("jsmith@example.com")
        const lines = Fs.readFileSync(loaded, "utf8").split("\n")
        // Node's own modules: http is what the lookup used; fetch's internals must not have been loaded.
        expect(lines).toContain("node:http")
        expect(lines.filter((line) => line.startsWith("node:internal/deps/undici"))).toEqual([])
        const files = lines
          .filter((url) => url.startsWith("file://"))
          .map((url) => fileURLToPath(url))
          .filter((file) => file.startsWith(dist))
        // The entry, Main and the chunks they share with the rest: at least these were seen by the hook.
        expect(files.some((file) => file.endsWith("enrich.mjs"))).toBe(true)
        expect(files.some((file) => /Main-\w+\.mjs$/.test(file))).toBe(true)
        const found = files.flatMap((file) =>
          sourcesOf(file).flatMap((source) =>
            unwanted.filter(([, pattern]) => pattern.test(source)).map(([name]) =>
              `${name} (${source}, in ${Path.relative(dist, file)})`
            )
          )
        )
        expect(found).toEqual([])
      }))
  })
})

describe("the OAuth variables still reach OAuth's checks", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["OKTA_CLIENT_ID", "0oa-some-app"],
    ["OKTA_CLIENT_CLIENTID", "0oa-some-app"],
    ["OKTA_PRIVATE_KEY", "not-a-key"],
    ["OKTA_CLIENT_PRIVATEKEY", "not-a-key"],
    ["OKTA_CLIENT_AUTHORIZATIONMODE", "Magic"],
    ["OKTA_DPOP", "maybe"]
  ]

  it("every variable OAuth reads that can change the outcome is listed", () => {
    expect([...EnvConfig.oauthVariables].sort()).toEqual(cases.map(([name]) => name).sort())
  })

  it.effect("each one, beside an API token, is named in a configuration error (exit 2)", () =>
    Effect.forEach(cases, ([name, value]) =>
      Effect.gen(function*() {
        const result = yield* Cli.run(["account", "jsmith"], {
          env: { OKTA_DOMAIN: "https://example.okta.com", OKTA_API_TOKEN: "an-api-token-0123456789", [name]: value }
        })
        expect(result.code, `${name}: ${result.stderr}`).toBe(2)
        expect(result.stderr).toContain(name)
      }), { concurrency: 2, discard: true }))
})
