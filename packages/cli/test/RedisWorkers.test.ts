/**
 * Several `enrich` processes sharing one Redis (issue 15), end to end: the built binary, a sandbox Okta org on a real
 * port in this process, a real `redis-server` per test (skipped with the install command when it is missing, failing
 * under CI=true). Every child process runs under a hard timeout; nothing here sleeps: the tests wait on the children.
 */
import { describe, expect, it } from "@effect/vitest"
import * as EnrichmentCache from "@enrich/core/EnrichmentCache"
import * as Redis from "@enrich/core/Redis"
import * as Sandbox from "@enrich/okta/testing/Sandbox"
import * as SandboxOrg from "@enrich/okta/testing/SandboxOrg"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import * as RedisServer from "../../core/test/support/redisServer.js"
import * as Cli from "./support/Cli.js"

/** 24 accounts of the seed org, by login as enrich normalizes it (each lookup: the user, then its groups, factors and roles). */
const accounts = SandboxOrg.defaultOrg.users.map((entry) => entry.json.profile.login.toLowerCase())
  // `svc/backup@...` is found by an email search, not by its login: 4 requests for every account keeps counting simple.
  .filter((login) => !login.includes("/"))
  .slice(0, 24)

/** Worker i enriches accounts 6i .. 6i+11 (mod 24): each list overlaps half of the next, each account is in two. */
const lists = Array.from({ length: 4 }, (_, i) => Array.from({ length: 12 }, (_, k) => accounts[(6 * i + k) % 24]))

const sandboxEnv = (sandbox: Sandbox.Service) => ({
  OKTA_DOMAIN: sandbox.url,
  OKTA_API_TOKEN: Redacted.value(sandbox.token)
})

/** A result without what differs from run to run (when it was fetched, whether it came from a cache). */
const normalize = (line: any) => {
  const { cache_hit: _hit, enriched_at: _at, ...okta } = line.enrichment.okta
  return { ...line, enrichment: { ...line.enrichment, okta } }
}

/**
 * The expected result of every account, and the requests that fetch each account once: one plain run (no Redis) on a
 * sandbox of its own.
 */
const reference = Effect.gen(function*() {
  const sandbox = yield* Sandbox.make()
  const result = yield* Cli.runGuarded(
    ["account", "--input", Cli.tempFile("all.txt", accounts.join("\n") + "\n"), "--format", "ndjson"],
    { env: sandboxEnv(sandbox), timeoutMs: 60_000 }
  )
  expect(result.code).toBe(0)
  const lines = new Map(Cli.ndjson(result.stdout).map((line) => [line.indicator.value as string, normalize(line)]))
  return { lines, byRoute: (yield* sandbox.counters).byRoute }
})

/** Every line correct (as in the reference run) and in the order of `list`: none lost, none duplicated. */
const expectLines = (
  stdout: string,
  list: ReadonlyArray<string>,
  expected: { readonly lines: Map<string, unknown> }
) => {
  const lines = Cli.ndjson(stdout)
  expect(lines.map((line) => line.indicator.value)).toEqual(list)
  for (const line of lines) expect(normalize(line)).toEqual(expected.lines.get(line.indicator.value))
}

const outageWarnings = (stderr: string) => stderr.split("is unavailable (").length - 1

/** A connection of the test's own, to look into (and tamper with) what the workers share. */
const inspect = (url: string) =>
  Effect.orDie(Redis.make({ url, commandTimeout: Duration.seconds(5), connectTimeout: Duration.seconds(5) }))

const entryKey = (login: string) => `${EnrichmentCache.redisPrefix}enrichment:okta:account:${login}`

/** A running `enrich` fed on stdin, whose stdout and stderr the test can wait on; killed past `timeoutMs`. */
interface Worker {
  readonly write: (text: string) => void
  readonly end: () => void
  /** SIGKILL: no goodbye to Redis, its lock left behind. */
  readonly kill: () => void
  readonly waitFor: (stream: "stdout" | "stderr", predicate: (text: string) => boolean) => Effect.Effect<string>
  readonly exit: Effect.Effect<Cli.GuardedResult>
}

const startWorker = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  timeoutMs: number
): Effect.Effect<Worker, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [Cli.binary, ...args], {
        cwd: Cli.tempDir(),
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        stdio: ["pipe", "pipe", "pipe"]
      })
      const text = { stdout: "", stderr: "" }
      const listeners = new Set<() => void>()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        child.kill("SIGKILL")
      }, timeoutMs)
      for (const stream of ["stdout", "stderr"] as const) {
        child[stream].setEncoding("utf8").on("data", (chunk: string) => {
          text[stream] += chunk
          listeners.forEach((listener) => listener())
        })
      }
      child.stdin.on("error", () => {})
      const closed = new Promise<Cli.GuardedResult>((resolve) =>
        child.on("close", (code, signal) => {
          clearTimeout(timer)
          listeners.forEach((listener) => listener())
          resolve({ code, signal, timedOut, stdout: text.stdout, stderr: text.stderr })
        })
      )
      const worker: Worker = {
        write: (input) => child.stdin.write(input),
        end: () => child.stdin.end(),
        kill: () => child.kill("SIGKILL"),
        waitFor: (stream, predicate) =>
          Effect.async<string>((resume) => {
            const check = () => {
              // A worker that died (or timed out) does not leave the test waiting: its exit is checked next.
              if (predicate(text[stream]) || child.exitCode !== null || child.signalCode !== null) {
                listeners.delete(check)
                resume(Effect.succeed(text[stream]))
              }
            }
            listeners.add(check)
            check()
            return Effect.sync(() => listeners.delete(check))
          }),
        exit: Effect.promise(() => closed)
      }
      return { child, worker, timer }
    }),
    ({ child, timer }) =>
      Effect.sync(() => {
        clearTimeout(timer)
        child.kill("SIGKILL")
      })
  ).pipe(Effect.map(({ worker }) => worker))

const lineCount = (n: number) => (stdout: string) => stdout.split("\n").length - 1 >= n

RedisServer.describeRedis("enrich account: several workers on one Redis", () => {
  it.scopedLive(
    "4 processes with overlapping lists: each account fetched once in total, no 429, every line correct and in order",
    () =>
      Effect.gen(function*() {
        const expected = yield* reference
        const server = yield* RedisServer.make
        // Tight buckets: 96 requests at 10 per bucket per 3 seconds take several windows, so pacing has to work.
        const sandbox = yield* Sandbox.make({ rateLimits: { "*": { limit: 10, window: "3 seconds" } } })
        const env = { ...sandboxEnv(sandbox), ENRICH_REDIS_URL: server.url }
        const results = yield* Effect.all(
          lists.map((list, i) =>
            Cli.runGuarded(
              ["account", "--input", Cli.tempFile(`list-${i}.txt`, list.join("\n") + "\n"), "--log-level", "info"],
              { env, timeoutMs: 100_000 }
            )
          ),
          { concurrency: "unbounded" }
        )
        results.forEach((result, i) => {
          expect(result.timedOut, result.stderr).toBe(false)
          expect(result.code, result.stderr).toBe(0)
          expectLines(result.stdout, lists[i], expected)
        })
        const counters = yield* sandbox.counters
        // Each distinct account fetched once in total: its user, groups (a long list takes several pages), factors and
        // roles, exactly the requests of one plain run over the 24 accounts.
        expect(counters.byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": accounts.length })
        expect(counters.byRoute).toEqual(expected.byRoute)
        // Every bucket had headers from its first answer on: not one 429, of a bucket or of the concurrency limit.
        expect(counters.rateLimited).toBe(0)
        expect(counters.concurrencyRejected).toBe(0)
        // The in-flight cap (8) is shared by the 4 processes, not 8 each.
        expect(counters.peakConcurrency).toBeLessThanOrEqual(8)
      }),
    120_000
  )

  it.scopedLive(
    "Redis killed mid-batch: the batch goes on with one warning per worker, nothing lost or duplicated; restarted, " +
      "the workers use it again",
    () =>
      Effect.gen(function*() {
        const expected = yield* reference
        const server = yield* RedisServer.make
        const sandbox = yield* Sandbox.make()
        const env = { ...sandboxEnv(sandbox), ENRICH_REDIS_URL: server.url }
        const args = ["account", "--input", "-", "--format", "ndjson", "--log-level", "info"]
        const workers = [yield* startWorker(args, env, 90_000), yield* startWorker(args, env, 90_000)]
        const phases = [accounts.slice(0, 4), accounts.slice(4, 8), accounts.slice(8, 12)]
        // Both workers get the same accounts, phase by phase; the test waits for each phase's lines.
        const feed = (phase: number) =>
          Effect.forEach(workers, (worker) => {
            worker.write(phases[phase].join("\n") + "\n")
            return worker.waitFor("stdout", lineCount(4 * (phase + 1)))
          }, { concurrency: "unbounded", discard: true })

        yield* feed(0)
        const redis = yield* inspect(server.url)
        const stored = (logins: ReadonlyArray<string>) =>
          redis.command("EXISTS", (client) => client.exists(...logins.map(entryKey)))
        expect(yield* stored(phases[0])).toBe(4)

        yield* server.kill
        yield* feed(1)
        for (const worker of workers) {
          yield* worker.waitFor("stderr", (stderr) => outageWarnings(stderr) >= 1)
        }

        yield* server.start
        yield* Effect.forEach(workers, (worker) =>
          worker.waitFor("stderr", (stderr) => stderr.includes("available again")))
        yield* feed(2)
        workers.forEach((worker) =>
          worker.end()
        )
        const results = yield* Effect.forEach(workers, (worker) => worker.exit)

        // The restarted Redis is empty: what it holds now, the workers stored after the restart.
        const fresh = yield* inspect(server.url)
        expect(yield* fresh.command("EXISTS", (client) => client.exists(...phases[2].map(entryKey)))).toBe(4)
        expect(yield* fresh.command("EXISTS", (client) => client.exists(...phases[1].map(entryKey)))).toBe(0)
        for (const result of results) {
          expect(result.timedOut, result.stderr).toBe(false)
          expect(result.code, result.stderr).toBe(0)
          expectLines(result.stdout, phases.flat(), expected)
          expect(outageWarnings(result.stderr)).toBe(1)
        }
        // Shared before the outage (4 fetches for both workers) and again after the restart (4); during the outage
        // each worker fetched on its own (2 x 4).
        expect((yield* sandbox.counters).byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": 16 })
      }),
    120_000
  )

  it.scopedLive(
    "a worker killed while it holds an account's lock: the lock expires and another worker takes over",
    () =>
      Effect.gen(function*() {
        const expected = yield* reference
        const server = yield* RedisServer.make
        // Slow answers keep the first worker's lookup (and its lock) in flight while it is killed.
        const sandbox = yield* Sandbox.make({ latency: "2 seconds" })
        const env = { ...sandboxEnv(sandbox), ENRICH_REDIS_URL: server.url }
        const login = accounts[0]
        const redis = yield* inspect(server.url)
        const lock = `${EnrichmentCache.redisPrefix}lock:enrichment:okta:account:${login}`

        const doomed = yield* startWorker(["account", "--input", "-"], env, 60_000)
        doomed.write(`${login}\n`)
        // Waits for the lock to be taken (a bounded poll of Redis: the only signal a worker gives of it).
        yield* redis.command("EXISTS", (client) => client.exists(lock)).pipe(
          Effect.repeat({ until: (n) => n === 1, schedule: Schedule.spaced(Duration.millis(10)) }),
          Effect.timeoutFail({
            duration: Duration.seconds(30),
            onTimeout: () => new Error("the lock was never taken")
          }),
          Effect.orDie
        )
        doomed.kill()
        yield* doomed.exit

        const result = yield* Cli.runGuarded(["account", login, "--format", "ndjson"], { env, timeoutMs: 60_000 })
        expect(result.code, result.stderr).toBe(0)
        expectLines(result.stdout, [login], expected)
        // It waited for the dead owner's lock to expire (10 seconds), then looked the account up itself.
        // One answer: the second worker's (the killed worker's request, in flight, was never answered).
        expect((yield* sandbox.counters).byRoute["GET /api/v1/users/{id}"]).toMatchObject({ "200": 1 })
        expect(yield* redis.command("EXISTS", (client) => client.exists(entryKey(login)))).toBe(1)
      }),
    90_000
  )

  it.scopedLive(
    "a corrupt entry and an entry of an older format are misses: fetched again, then overwritten",
    () =>
      Effect.gen(function*() {
        const expected = yield* reference
        const server = yield* RedisServer.make
        const sandbox = yield* Sandbox.make()
        const redis = yield* inspect(server.url)
        const [corrupt, old] = [accounts[0], accounts[1]]
        yield* redis.command("SET", (client) => client.set(entryKey(corrupt), "{not json"))
        // An entry as an older version might have written it: valid JSON, another shape.
        yield* redis.command("SET", (client) => client.set(entryKey(old), JSON.stringify({ v: 0, user: { id: "x" } })))
        const result = yield* Cli.runGuarded(["account", corrupt, old, "--format", "ndjson"], {
          env: { ...sandboxEnv(sandbox), ENRICH_REDIS_URL: server.url },
          timeoutMs: 60_000
        })
        expect(result.code, result.stderr).toBe(0)
        expectLines(result.stdout, [corrupt, old], expected)
        expect(Cli.ndjson(result.stdout).map((line) => line.enrichment.okta.cache_hit)).toEqual([false, false])
        expect((yield* sandbox.counters).byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": 2 })
        for (const login of [corrupt, old]) {
          const value = yield* redis.command("GET", (client) => client.get(entryKey(login)))
          expect(JSON.parse(value ?? "null").lookup._tag).toBe("Found")
        }
        // And the next worker is served from the repaired entries.
        const again = yield* Cli.runGuarded(["account", corrupt, old, "--format", "ndjson"], {
          env: { ...sandboxEnv(sandbox), ENRICH_REDIS_URL: server.url },
          timeoutMs: 60_000
        })
        expect(Cli.ndjson(again.stdout).map((line) => line.enrichment.okta.cache_hit)).toEqual([true, true])
        expect((yield* sandbox.counters).byRoute["GET /api/v1/users/{id}"]).toEqual({ "200": 2 })
      }),
    60_000
  )

  it.scopedLive(
    "a Redis password is used and never printed, even at --log-level all; a wrong one is one warning",
    () =>
      Effect.gen(function*() {
        const password = "redis-SECRET-pw-5d1e9c"
        const server = yield* RedisServer.make
        const sandbox = yield* Sandbox.make()
        const redis = yield* inspect(server.url)
        yield* redis.command("CONFIG", (client) => client.config("SET", "requirepass", password))
        const url = (pw: string) => `redis://default:${encodeURIComponent(pw)}@127.0.0.1:${server.port}/0`
        const run = (env: Record<string, string>, extra: ReadonlyArray<string> = []) =>
          Cli.runGuarded(["account", "jsmith@example.com", "--format", "ndjson", "--log-level", "all", ...extra], {
            env: { ...sandboxEnv(sandbox), ...env },
            timeoutMs: 60_000
          })

        const viaEnv = yield* run({ ENRICH_REDIS_URL: url(password) })
        expect(viaEnv.code, viaEnv.stderr).toBe(0)
        expect(viaEnv.stderr).toContain(`redis://default:***@127.0.0.1:${server.port}/0`)
        expect(yield* redis.command("EXISTS", (client) => client.exists(entryKey("jsmith@example.com")))).toBe(1)

        const viaFlag = yield* run({}, ["--redis", url(password)])
        expect(viaFlag.code, viaFlag.stderr).toBe(0)
        expect(Cli.ndjson(viaFlag.stdout)[0].enrichment.okta.cache_hit).toBe(true)

        const wrong = yield* run({ ENRICH_REDIS_URL: url(`${password}-wrong`) })
        expect(wrong.code, wrong.stderr).toBe(0)
        expect(outageWarnings(wrong.stderr)).toBe(1)
        expect(wrong.stderr).toMatch(/WRONGPASS|NOAUTH|invalid/i)

        for (const result of [viaEnv, viaFlag, wrong]) {
          expect(result.stdout + result.stderr).not.toContain(password)
          expect(result.stdout + result.stderr).not.toContain(encodeURIComponent(password))
        }
      }),
    60_000
  )
})

describe("enrich account: hostile Redis settings", () => {
  const password = "hostile-SECRET-pw-8b2f"
  const run = (env: Record<string, string>, extra: ReadonlyArray<string> = []) =>
    Cli.runGuarded(["account", "jsmith", "--sandbox", "--format", "ndjson", "--log-level", "all", ...extra], {
      env,
      timeoutMs: 60_000
    })

  it.live(
    "a malformed ENRICH_REDIS_URL or --redis, or another scheme, stops at once (exit 2) naming it",
    () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [Record<string, string>, ReadonlyArray<string>, RegExp]> = [
          [{ ENRICH_REDIS_URL: `http://u:${password}@127.0.0.1:6379` }, [], /ENRICH_REDIS_URL.*scheme must be redis/],
          [{ ENRICH_REDIS_URL: "not a url" }, [], /ENRICH_REDIS_URL.*not a URL/],
          [{ ENRICH_REDIS_URL: `redis://u:${password}@127.0.0.1/db1` }, [], /ENRICH_REDIS_URL.*database number/],
          [{}, ["--redis", `https://u:${password}@127.0.0.1`], /--redis: .*scheme must be redis/],
          [{}, ["--redis", `redis://u:${password}@:6379`], /--redis: /],
          [{}, ["--redis", `redis://u:${password}@127.0.0.1/0?tls=1`], /--redis: .*query strings/],
          [{}, ["--cache", "redis"], /--cache redis needs a Redis URL: give --redis URL or set ENRICH_REDIS_URL/],
          [{}, ["--redis"], /--redis needs a value/]
        ]
        for (const [env, extra, message] of cases) {
          const result = yield* run(env, extra)
          expect(result.code, result.stderr).toBe(2)
          expect(result.stderr).toMatch(message)
          expect(result.stdout).toBe("")
          expect(result.stderr).not.toContain(password)
        }
      }),
    120_000
  )

  it.live(
    "an unreachable Redis: one warning, then every lookup answered in process, password never printed",
    () =>
      Effect.gen(function*() {
        // A port nobody listens on: refused at once.
        const port = yield* Effect.promise(() =>
          import("node:net").then((net) =>
            new Promise<number>((resolve) => {
              const probe = net.createServer().listen(0, "127.0.0.1", () => {
                const address = probe.address()
                probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 1))
              })
            })
          )
        )
        const result = yield* run({ ENRICH_REDIS_URL: `redis://u:${password}@127.0.0.1:${port}/0` }, [
          "jdoe@example.com"
        ])
        expect(result.code, result.stderr).toBe(0)
        expect(Cli.ndjson(result.stdout).map((line) => line.enrichment.okta.extracted.found)).toEqual([true, true])
        expect(outageWarnings(result.stderr)).toBe(1)
        expect(result.stderr).toContain(`Redis at redis://u:***@127.0.0.1:${port}/0 is unavailable`)
        expect(result.stdout + result.stderr).not.toContain(password)
      }),
    60_000
  )
})
