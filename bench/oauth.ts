/**
 * OAuth+DPoP vs SSWS: the CPU one lookup costs the enrich process (the Okta provider over the client over undici),
 * against the sandbox in a child process (so its CPU, verifying proofs included, never counts). The token request is
 * made during the warm-up and amortised; each lookup by login is 4 requests, each with a fresh DPoP proof under OAuth.
 *
 * Usage: `NODE_OPTIONS=--conditions=@enrich/source node --import tsx bench/oauth.ts [lookups] [rounds]`
 * (default 2,000 lookups, 3 rounds per mode, alternated; the median round is reported).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Indicator from "@enrich/core/Indicator"
import * as OktaAuth from "@enrich/okta/OktaAuth"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaOAuth from "@enrich/okta/OktaOAuth"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as SandboxOAuth from "@enrich/okta/testing/SandboxOAuth"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const clientId = "0oa-bench-app"

/** The child: the sandbox with the demo app registered (DPoP required), no rate limits; prints url and the key. */
const child = Effect.gen(function*() {
  const pair = yield* SandboxOAuth.generateDemoKeyPair({ clientId })
  const sandbox = yield* Sandbox.make({
    rateLimits: { "*": { limit: Number.MAX_SAFE_INTEGER } },
    concurrencyLimit: Number.MAX_SAFE_INTEGER,
    oauth: { apps: [{ clientId, publicKeys: [pair.publicJwk], requireDpop: true }] }
  })
  process.stdout.write(JSON.stringify({ url: sandbox.url, privateJwk: pair.privateJwk }) + "\n")
  yield* Effect.never
})

const startChild = () =>
  new Promise<{ url: string; privateJwk: unknown; stop: () => void }>((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "child"], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    let out = ""
    proc.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text
      const line = out.split("\n")[0]
      if (out.includes("\n")) resolve({ ...JSON.parse(line), stop: () => proc.stdin.end() })
    })
    proc.on("exit", (code) => reject(new Error(`sandbox child exited ${code}`)))
  })

const logins = ["jsmith", "alice.admin", "bob.helpdesk", "paula.groups"]

const measure = (mode: "ssws" | "oauth", url: string, privateJwk: unknown, lookups: number) =>
  Effect.gen(function*() {
    const auth = mode === "ssws"
      ? OktaAuth.ssws(Redacted.make(Sandbox.defaultToken))
      : yield* OktaOAuth.make({ domain: url, clientId, privateKey: Redacted.make(JSON.stringify(privateJwk)) })
    const client = yield* OktaClient.make({ domain: url, maxConcurrency: 32 }).pipe(
      Effect.provideService(OktaAuth.OktaAuth, auth)
    )
    const provider = yield* OktaProvider.make().pipe(Effect.provideService(OktaClient.OktaClient, client))
    const indicators = yield* Effect.forEach(logins, (login) => Indicator.account(login))
    const batch = (n: number) =>
      Effect.forEach(
        Array.from({ length: n }, (_, i) => indicators[i % indicators.length]),
        (indicator) =>
          Effect.flatMap(provider.enrich(indicator), (lookup) =>
            lookup._tag === "Found" && lookup.warnings.length === 0
              ? Effect.void
              : Effect.die(`bad lookup ${lookup._tag}`)),
        { concurrency: 8, discard: true }
      )
    yield* batch(200) // warm-up: JIT, connections, and (OAuth) the token dance
    const before = process.cpuUsage()
    const started = performance.now()
    yield* batch(lookups)
    const cpu = process.cpuUsage(before)
    return { mode, cpuMsPerLookup: (cpu.user + cpu.system) / 1000 / lookups, wallMs: performance.now() - started }
  }).pipe(Effect.scoped, Effect.provide(NodeHttpClient.layerUndici))

const main = Effect.gen(function*() {
  const lookups = Number(process.argv[2] ?? 2000)
  const rounds = Number(process.argv[3] ?? 3)
  const sandbox = yield* Effect.promise(startChild)
  const results: Record<string, Array<{ cpuMsPerLookup: number; wallMs: number }>> = { ssws: [], oauth: [] }
  for (let round = 0; round < rounds; round++) {
    for (const mode of ["ssws", "oauth"] as const) {
      const result = yield* measure(mode, sandbox.url, sandbox.privateJwk, lookups)
      results[mode].push(result)
      console.log(
        `round ${round + 1} ${mode}: ${result.cpuMsPerLookup.toFixed(3)} ms CPU/lookup, wall ${
          (result.wallMs / 1000).toFixed(2)
        } s`
      )
    }
  }
  const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  // Rounds are paired (SSWS then OAuth, back to back): the ratio within a round is the figure least moved by load.
  const ratios = results.oauth.map((r, i) => r.cpuMsPerLookup / results.ssws[i].cpuMsPerLookup - 1)
  console.log(
    `OAuth+DPoP vs SSWS, CPU per lookup, per round: ${ratios.map((x) => `${(x * 100).toFixed(1)}%`).join(", ")}`
  )
  console.log(
    `median: SSWS ${median(results.ssws.map((r) => r.cpuMsPerLookup)).toFixed(3)} ms, OAuth+DPoP ${
      median(results.oauth.map((r) => r.cpuMsPerLookup)).toFixed(3)
    } ms; median paired difference ${(median(ratios) * 100).toFixed(1)}%`
  )
  sandbox.stop()
})

if (process.argv[2] === "child") {
  process.stdin.on("end", () => process.exit(0))
  process.stdin.resume()
  Effect.runFork(Effect.scoped(child))
} else {
  Effect.runPromise(main.pipe(Effect.provide(Layer.empty))).then(() => process.exit(0), (error) => {
    console.error(error)
    process.exit(1)
  })
}
