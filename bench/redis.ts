/**
 * `NODE_OPTIONS=--conditions=@enrich/source node --import tsx bench/redis.ts [--hits N] [--skip-workers]`
 *
 * The Redis figures of BENCHMARKS.md (issue 15), against a `redis-server` of its own (on PATH) and the sandbox:
 * 1. cache hits, memory vs Redis: latency of one hit (sequential) and throughput (64 at once over 1,000 keys);
 * 2. 4 `enrich` processes (the built CLI: `npm run build` first) enriching overlapping lists on one sandbox with tight
 *    buckets, sharing state in Redis vs each on its own: requests, 429s, and the combined rate as a % of the allowed.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Indicator from "@enrich/core/Indicator"
import * as Redis from "@enrich/core/Redis"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as SandboxOrg from "@enrich/okta/testing/SandboxOrg"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const { values: args } = parseArgs({
  options: { hits: { type: "string", default: "5000" }, "skip-workers": { type: "boolean", default: false } }
})
const hits = Number(args.hits)
const binary = fileURLToPath(new URL("../packages/cli/bin/enrich.mjs", import.meta.url))
const log = (line: string) => process.stdout.write(`${line}\n`)

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = Net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** A `redis-server` on a free port for the scope, answering before it returns. */
const redisServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const port = await freePort()
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-bench-redis-"))
    const child = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir], {
      stdio: "ignore"
    })
    for (let i = 0; i < 250; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = Net.connect(port, "127.0.0.1", () => {
          socket.destroy()
          resolve(true)
        }).on("error", () => resolve(false))
      })
      if (up) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return { url: `redis://127.0.0.1:${port}/0`, child }
  }),
  ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
)

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

/** One real entry (a found user, with groups, factors and roles), as the Okta provider caches it. */
const realEntry = Effect.gen(function*() {
  const sandbox = yield* Sandbox.make()
  const provider = yield* OktaProvider.make().pipe(
    Effect.provide(
      OktaClient.layer({ domain: sandbox.url, token: sandbox.token }).pipe(Layer.provide(FetchHttpClient.layer))
    )
  )
  const indicator = yield* Effect.orDie(Indicator.account("jsmith@example.com"))
  const lookup = yield* Effect.orDie(provider.enrich(indicator))
  return { lookup, enriched_at: new Date().toISOString() } satisfies EnrichmentCache.Entry
})

const cacheHits = (name: string, cache: EnrichmentCache.Service, entry: EnrichmentCache.Entry) =>
  Effect.gen(function*() {
    const ttl = () => Duration.hours(1)
    const keys = Array.from({ length: 1000 }, (_, i) => `bench:${i}`)
    yield* Effect.forEach(keys, (key) => cache.getOrCompute(key, Effect.succeed(entry), ttl), { discard: true })
    const latencies: Array<number> = []
    for (let i = 0; i < hits; i++) {
      const start = performance.now()
      const outcome = yield* cache.getOrCompute(keys[i % keys.length], Effect.die("miss"), ttl)
      latencies.push(performance.now() - start)
      if (!outcome.hit) return yield* Effect.dieMessage("expected a hit")
    }
    latencies.sort((a, b) => a - b)
    const start = performance.now()
    yield* Effect.forEach(
      Array.from({ length: hits }, (_, i) => keys[(i * 7) % keys.length]),
      (key) => cache.getOrCompute(key, Effect.die("miss"), ttl),
      { concurrency: 64, discard: true }
    )
    const perSecond = hits / ((performance.now() - start) / 1000)
    log(
      `| ${name} | ${percentile(latencies, 0.5).toFixed(3)} ms | ${percentile(latencies, 0.99).toFixed(3)} ms | ` +
        `${Math.round(perSecond).toLocaleString("en")} hits/s |`
    )
  })

/** 4 CLI processes on one sandbox with tight buckets; `redisUrl` shares their state. */
const workers = (redisUrl: string | undefined) =>
  Effect.gen(function*() {
    const limit = 10
    const windowMillis = 3000
    const sandbox = yield* Sandbox.make({ rateLimits: { "*": { limit, window: Duration.millis(windowMillis) } } })
    const accounts = SandboxOrg.defaultOrg.users.map((u) => u.json.profile.login.toLowerCase())
      .filter((login) => !login.includes("/")).slice(0, 24)
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-bench-workers-"))
    const start = performance.now()
    const results = yield* Effect.all(
      Array.from({ length: 4 }, (_, i) => {
        const file = Path.join(dir, `list-${i}.txt`)
        Fs.writeFileSync(file, Array.from({ length: 12 }, (_, k) => accounts[(6 * i + k) % 24]).join("\n") + "\n")
        return Effect.async<{ code: number | null; lines: number }>((resume) => {
          const child = spawn(process.execPath, [binary, "account", "--input", file], {
            cwd: dir,
            env: {
              PATH: process.env.PATH ?? "",
              OKTA_DOMAIN: sandbox.url,
              OKTA_API_TOKEN: Redacted.value(sandbox.token),
              ...(redisUrl === undefined ? {} : { ENRICH_REDIS_URL: redisUrl })
            },
            stdio: ["ignore", "pipe", "ignore"]
          })
          let out = ""
          child.stdout.setEncoding("utf8").on("data", (text: string) => out += text)
          child.on("close", (code) => resume(Effect.succeed({ code, lines: out.split("\n").length - 1 })))
        })
      }),
      { concurrency: "unbounded" }
    )
    const seconds = (performance.now() - start) / 1000
    const counters = yield* sandbox.counters
    const sent = Object.values(counters.byRoute).map((byStatus) => Object.values(byStatus).reduce((a, b) => a + b, 0))
    // The busiest bucket's requests (answered or refused) per second, against what it allows (limit per window).
    const busiest = Math.max(...sent)
    const allowedPerSecond = limit / (windowMillis / 1000)
    const lookups = counters.byRoute["GET /api/v1/users/{id}"]?.["200"] ?? 0
    log(
      `| ${redisUrl === undefined ? "in-memory state (each its own)" : "shared in Redis"} | ` +
        `${results.map((r) => r.code).join(",")} | ${results.reduce((a, r) => a + r.lines, 0)} | ${lookups} | ` +
        `${counters.requests} | ${counters.rateLimited} | ` +
        `${Math.round((busiest / seconds / allowedPerSecond) * 100)}% | ${seconds.toFixed(1)} s |`
    )
  }).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  log(`node ${process.version}, ${Os.cpus().length} cores, load average ${Os.loadavg().map((l) => l.toFixed(1))}`)
  const server = yield* redisServer
  const entry = yield* realEntry
  log(`entry: ${Buffer.byteLength(JSON.stringify(entry))} bytes of JSON; ${hits} hits each`)
  log("| cache | p50 hit | p99 hit | throughput (64 at once) |")
  log("|---|---|---|---|")
  yield* cacheHits("memory", yield* EnrichmentCache.makeMemory(), entry)
  const redis = yield* Redis.make({ url: server.url, commandTimeout: Duration.seconds(5) })
  const shared = yield* Layer.build(EnrichmentCache.layerRedis().pipe(Layer.provide(Layer.succeed(Redis.Redis, redis))))
  yield* cacheHits("Redis (loopback)", Context.get(shared, EnrichmentCache.EnrichmentCache), entry)
  if (args["skip-workers"]) return
  log("")
  log(
    "| 4 processes, 4 x 12 accounts (24 distinct), buckets of 10 per 3 s | exit codes | lines | user lookups | " +
      "requests | 429s | busiest bucket, % of allowed rate | wall time |"
  )
  log("|---|---|---|---|---|---|---|---|")
  yield* workers(undefined)
  const fresh = yield* redisServer
  yield* workers(fresh.url)
}).pipe(Effect.scoped)

Effect.runPromise(program).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
