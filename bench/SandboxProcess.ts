/**
 * The sandbox in a child process ({@link start}), and its admin endpoints (counters, reset) over HTTP.
 */
import type { Sandbox } from "@enrich/okta/testing"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type * as SyntheticOrg from "./SyntheticOrg.js"

/** How the child's sandbox is set up. Without `rateLimits` or `concurrencyLimit`, there is no limit. */
export interface SandboxSpec {
  readonly org: SyntheticOrg.Spec
  /** The same bucket size and window for every bucket. */
  readonly rateLimits?: { readonly limit: number; readonly windowMillis: number } | undefined
  readonly concurrencyLimit?: number | undefined
  readonly latencyMillis?: number | undefined
}

/** What the sandbox's `/__sandbox/counters` says: the sandbox's own {@link Sandbox.Counters}, as JSON. */
export type Counters = Sandbox.Counters

/** A running sandbox child. */
export interface SandboxProcess {
  readonly url: string
  readonly token: string
  readonly counters: () => Promise<Counters>
  readonly resetCounters: () => Promise<void>
  readonly stop: () => Promise<void>
}

/** The token every sandbox accepts (not a secret). */
export const token = "sandbox-okta-api-token"

const childScript = fileURLToPath(new URL("./sandbox-child.ts", import.meta.url))

/** Starts a sandbox in a child process and waits until it listens. */
export const start = (spec: SandboxSpec): Promise<SandboxProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", childScript, JSON.stringify(spec)], {
      stdio: ["pipe", "pipe", "inherit"]
    })
    const lines = createInterface({ input: child.stdout })
    const onExit = (code: number | null) => reject(new Error(`the sandbox child exited early (code ${code})`))
    child.once("exit", onExit)
    child.once("error", reject)
    lines.once("line", (line) => {
      child.off("exit", onExit)
      const { url } = JSON.parse(line) as { url: string }
      const admin = async (method: string, path: string) => {
        const response = await fetch(`${url}${path}`, { method })
        if (!response.ok && response.status !== 204) throw new Error(`sandbox ${method} ${path}: ${response.status}`)
        return response.status === 204 ? undefined : await response.json()
      }
      resolve({
        url,
        token,
        counters: async () => (await admin("GET", "/__sandbox/counters")) as Counters,
        resetCounters: async () => {
          await admin("POST", "/__sandbox/counters/reset")
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once("exit", () => done())
            child.stdin.end()
          })
      })
    })
  })
