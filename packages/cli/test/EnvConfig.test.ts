import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as EnvConfig from "../src/EnvConfig.js"

const dirWithDotEnv = (content: string | undefined): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "enrich-envconfig-"))
  if (content !== undefined) Fs.writeFileSync(Path.join(dir, ".env"), content)
  return dir
}

const read = (
  options: Parameters<typeof EnvConfig.configProvider>[0],
  name = "OKTA_DOMAIN"
) =>
  EnvConfig.configProvider(options).pipe(
    Effect.flatMap((provider) =>
      Effect.withConfigProvider(Config.option(Config.string(name)), provider).pipe(Effect.orDie)
    ),
    Effect.provide(NodeFileSystem.layer)
  )

describe("EnvConfig.configProvider", () => {
  it.effect("reads .env in the working directory", () =>
    Effect.gen(function*() {
      const cwd = dirWithDotEnv("# comment\nexport OKTA_DOMAIN=\"dotenv.okta.com\"\n")
      const value = yield* read({ cwd, env: {} })
      expect(value._tag === "Some" && value.value).toBe("dotenv.okta.com")
    }))

  it.effect("the environment wins over .env", () =>
    Effect.gen(function*() {
      const cwd = dirWithDotEnv("OKTA_DOMAIN=dotenv.okta.com\n")
      const value = yield* read({ cwd, env: { OKTA_DOMAIN: "env.okta.com" } })
      expect(value._tag === "Some" && value.value).toBe("env.okta.com")
    }))

  it.effect("flags (overrides) win over both", () =>
    Effect.gen(function*() {
      const cwd = dirWithDotEnv("OKTA_DOMAIN=dotenv.okta.com\n")
      const value = yield* read({
        cwd,
        env: { OKTA_DOMAIN: "env.okta.com" },
        overrides: { OKTA_DOMAIN: "http://127.0.0.1:1234" }
      })
      expect(value._tag === "Some" && value.value).toBe("http://127.0.0.1:1234")
    }))

  it.effect("a missing .env is fine; a variable set nowhere is absent", () =>
    Effect.gen(function*() {
      const value = yield* read({ cwd: dirWithDotEnv(undefined), env: {} })
      expect(value._tag).toBe("None")
    }))

  it.effect("an unreadable .env fails with DotEnvError naming the file", () =>
    Effect.gen(function*() {
      const cwd = dirWithDotEnv(undefined)
      Fs.mkdirSync(Path.join(cwd, ".env")) // a directory where the file should be
      const error = yield* Effect.flip(read({ cwd, env: {} }))
      expect(error._tag).toBe("DotEnvError")
      expect(error.message).toContain(Path.join(cwd, ".env"))
    }))
})
