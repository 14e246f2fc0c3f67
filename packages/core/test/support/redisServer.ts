/**
 * A real `redis-server` for tests: its own process on a free port with a temp dir and no persistence, answering PING
 * before a test starts, stopped when the test's scope closes. `killAndRestart` is for fault tests.
 *
 * Shared by the core and okta tests (imported by relative path). When `redis-server` is not on PATH, the Redis
 * suites are skipped with a message naming the install command, except under `CI=true`, where they fail.
 */
import { describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

export const installCommand = "apt-get install -y redis-server"

const findServer = (): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "redis-server")
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      return candidate
    } catch {
      continue
    }
  }
  return undefined
}

/** The `redis-server` binary, or undefined when it is not on PATH. */
export const serverPath = findServer()

/**
 * `describe` for suites that need a real Redis: runs them when `redis-server` is on PATH; otherwise skips them with
 * a message naming the install command, or, under `CI=true`, fails (CI must run them).
 */
export const describeRedis = (name: string, body: () => void): void => {
  if (serverPath !== undefined) {
    // Real processes and sockets: on a loaded machine (CI, parallel suites) a round trip can take far longer than
    // usual, and these tests measure outcomes, never durations.
    describe(name, { timeout: 30_000 }, body)
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("needs redis-server on PATH in CI", () => {
        throw new Error(`redis-server is not on PATH; CI must run the Redis tests. Install it: ${installCommand}`)
      })
    })
  } else {
    console.warn(`Skipping "${name}": redis-server is not on PATH. Install it to run these tests: ${installCommand}`)
    describe.skip(`${name} (skipped: redis-server not on PATH; ${installCommand})`, body)
  }
}

/** A running test server. */
export interface RedisTestServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>/0` */
  readonly url: string
  /** Kills the server (SIGKILL: no goodbye to clients) and waits for the process to end. */
  readonly kill: Effect.Effect<void>
  /** Starts the server again on the same port, empty, and waits until it answers PING. */
  readonly start: Effect.Effect<void>
  /** Kills the server, runs `between` while it is down, starts it again. */
  readonly killAndRestart: <A, E, R>(between?: Effect.Effect<A, E, R>) => Effect.Effect<void, E, R>
}

const freePort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Sends one inline PING; true when the server answers PONG. */
const pingOnce = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    let answer = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resume(Effect.succeed(ok))
    }
    socket.setTimeout(500, () => done(false))
    socket.on("error", () => done(false))
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (data) => {
      answer += data.toString()
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"))
    })
  })

const waitForPing = (port: number) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 250; attempt++) {
      if (yield* pingOnce(port)) return
      yield* Effect.sleep(Duration.millis(20))
    }
    return yield* Effect.dieMessage(`redis-server on port ${port} did not answer PING within 5 seconds`)
  })

/** Starts a `redis-server` for the scope's duration. Runs on the live clock (the server lives in real time). */
export const make: Effect.Effect<RedisTestServer, never, Scope.Scope> = Effect.gen(function*() {
  if (serverPath === undefined) return yield* Effect.dieMessage(`redis-server is not on PATH: ${installCommand}`)
  const binary = serverPath
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enrich-redis-"))
  const port = yield* freePort
  let child: ChildProcess | undefined

  const spawnServer = Effect.sync(() => {
    child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: "ignore" }
    )
  })

  const kill = Effect.async<void>((resume) => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) {
      return resume(Effect.void)
    }
    running.once("exit", () => resume(Effect.void))
    running.kill("SIGKILL")
  })

  const start = Effect.zipRight(spawnServer, waitForPing(port))

  yield* Effect.addFinalizer(() =>
    Effect.zipRight(kill, Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
  )
  yield* start
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    kill,
    start,
    killAndRestart: <A, E, R>(between?: Effect.Effect<A, E, R>) =>
      Effect.gen(function*() {
        yield* kill
        if (between !== undefined) yield* between
        yield* start
      })
  }
}).pipe(Effect.withClock(Clock.make()))
