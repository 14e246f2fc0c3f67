/**
 * Runs the real `enrich` binary (bin/enrich.mjs over the bundle built by globalSetup) as a child process.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The binary users run. */
export const binary = fileURLToPath(new URL("../../bin/enrich.mjs", import.meta.url))

/** What a run printed and how it ended. */
export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of a run. The environment starts empty (no OKTA_* from the developer's shell) plus `env`. */
export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
  readonly stdin?: string
}

/** Spawns the built binary in a fresh directory (no stray `.env`), with a minimal environment plus `env`. */
const spawnEnrich = (args: ReadonlyArray<string>, options: Omit<RunOptions, "stdin">) =>
  spawn(process.execPath, [binary, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"]
  })

/** Runs `enrich ...args` to completion. */
export const run = (args: ReadonlyArray<string>, options: RunOptions = {}): Effect.Effect<Result> =>
  Effect.async<Result>((resume) => {
    const child = spawnEnrich(args, options)
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (text: string) => stdout += text)
    child.stderr.setEncoding("utf8").on("data", (text: string) => stderr += text)
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    child.stdin.end(options.stdin ?? "")
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A running `enrich`, fed and watched by the test. */
export interface Running {
  readonly write: (text: string) => void
  readonly kill: (signal: NodeJS.Signals) => void
  /** Waits until stdout satisfies the predicate. */
  readonly waitForStdout: (predicate: (stdout: string) => boolean) => Effect.Effect<string>
  readonly exit: Effect.Effect<Result>
}

/** Starts `enrich ...args` with stdin left open. */
export const start = (args: ReadonlyArray<string>, options: Omit<RunOptions, "stdin"> = {}): Running => {
  const child = spawnEnrich(args, options)
  let stdout = ""
  let stderr = ""
  const listeners = new Set<() => void>()
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text
    listeners.forEach((listener) => listener())
  })
  child.stderr.setEncoding("utf8").on("data", (text: string) => stderr += text)
  const closed = new Promise<Result>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })))
  return {
    write: (text) => child.stdin.write(text),
    kill: (signal) => child.kill(signal),
    waitForStdout: (predicate) =>
      Effect.async<string>((resume) => {
        const check = () => {
          if (predicate(stdout)) {
            listeners.delete(check)
            resume(Effect.succeed(stdout))
          }
        }
        listeners.add(check)
        check()
        return Effect.sync(() => listeners.delete(check))
      }),
    exit: Effect.promise(() => closed)
  }
}

/** A fresh empty directory (so no stray `.env` is read). */
export const tempDir = (): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-cli-test-"))

/** Writes a file in a fresh directory and returns its path. */
export const tempFile = (name: string, content: string, dir: string = tempDir()): string => {
  const path = Path.join(dir, name)
  Fs.writeFileSync(path, content)
  return path
}

/** The lines of ndjson output, parsed. */
export const ndjson = (text: string): Array<any> =>
  text.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))

/** Where a guarded run's stdout or stderr goes: a pipe the test reads, `/dev/full`, or a pipe closed after `n` bytes. */
export type Target = "pipe" | "full" | { readonly closeAfter: number }

/** Options of {@link runGuarded}. */
export interface GuardedOptions extends RunOptions {
  readonly stdout?: Target
  readonly stderr?: Target
  /** Hard limit: the process is killed past it and the result says `timedOut`. */
  readonly timeoutMs: number
  /**
   * Runs this shell line with bash instead (`$ENRICH` is the command to start enrich), for what only a shell makes: a
   * real pipe on stdin, a process substitution `<(cmd)`. Node's own stdio pipes are sockets.
   */
  readonly bash?: string
  /** Called once the process is started (e.g. to send a signal, or open a FIFO). */
  readonly onStart?: (child: import("node:child_process").ChildProcess) => void
}

/** What a guarded run printed and how it ended. */
export interface GuardedResult extends Result {
  readonly timedOut: boolean
  readonly signal: NodeJS.Signals | null
}

/**
 * Runs `enrich ...args` with a hard timeout: a hang ends the case (killed, `timedOut: true`), never the test run.
 */
export const runGuarded = (args: ReadonlyArray<string>, options: GuardedOptions): Effect.Effect<GuardedResult> =>
  Effect.async<GuardedResult>((resume) => {
    const fds: Array<number> = []
    const target = (t: Target | undefined): "pipe" | number => {
      if (t === "full") {
        const fd = Fs.openSync("/dev/full", "w")
        fds.push(fd)
        return fd
      }
      return "pipe"
    }
    const [program, programArgs] = options.bash === undefined
      ? [process.execPath, [binary, ...args]]
      : ["bash", ["-c", options.bash.replaceAll("$ENRICH", "\"$ENRICH_NODE\" \"$ENRICH_BIN\"")]]
    const child = spawn(program, programArgs, {
      cwd: options.cwd ?? tempDir(),
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ENRICH_NODE: process.execPath,
        ENRICH_BIN: binary,
        ...options.env
      },
      stdio: ["pipe", target(options.stdout), target(options.stderr)]
    })
    fds.forEach((fd) => Fs.closeSync(fd))
    let stdout = ""
    let stderr = ""
    let timedOut = false
    const watch = (stream: NodeJS.ReadableStream | null, t: Target | undefined, append: (text: string) => void) => {
      if (stream === null) return
      let bytes = 0
      stream.setEncoding("utf8")
      stream.on("data", (text: string) => {
        append(text)
        bytes += text.length
        if (typeof t === "object" && bytes >= t.closeAfter) (stream as import("node:stream").Readable).destroy()
      })
      stream.on("error", () => {})
    }
    watch(child.stdout, options.stdout, (text) => stdout += text)
    watch(child.stderr, options.stderr, (text) => stderr += text)
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, options.timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, signal, stdout, stderr, timedOut }))
    })
    child.stdin?.on("error", () => {})
    child.stdin?.end(options.stdin ?? "")
    options.onStart?.(child)
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })
