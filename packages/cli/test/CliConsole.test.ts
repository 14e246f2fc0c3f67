/**
 * Colours only for a terminal that wants them: `--help` and errors off a terminal, or with NO_COLOR, are plain text.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import * as CliConsole from "../src/CliConsole.js"
import * as Cli from "./support/Cli.js"

const ansi = /\u001b\[/

/** Runs `enrich ...args` on a pseudo-terminal (util-linux `script`), so stdout and stderr are TTYs. */
const onTerminal = (args: ReadonlyArray<string>, env: Record<string, string> = {}): string =>
  execFileSync(
    "script",
    ["-qec", [process.execPath, Cli.binary, ...args].map((a) => `'${a}'`).join(" "), "/dev/null"],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm", ...env },
      encoding: "utf8"
    }
  )

describe("CliConsole", () => {
  it("colours only a terminal, and never with NO_COLOR set", () => {
    expect(CliConsole.colorsFor({ isTTY: true }, {})).toBe(true)
    expect(CliConsole.colorsFor({ isTTY: false }, {})).toBe(false)
    expect(CliConsole.colorsFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false)
    expect(CliConsole.colorsFor({ isTTY: true }, { NO_COLOR: "" })).toBe(true)
    expect(CliConsole.stripAnsi("\u001b[1mOPTIONS\u001b[0m")).toBe("OPTIONS")
  })

  it.live("--help and a usage error on pipes carry no ANSI codes", () =>
    Effect.gen(function*() {
      const help = yield* Cli.run(["account", "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("DESCRIPTION")
      expect(help.stdout).not.toMatch(ansi)
      const error = yield* Cli.run(["account", "--format", "xml", "x"])
      expect(error.code).toBe(2)
      expect(error.stderr).not.toBe("")
      expect(error.stderr).not.toMatch(ansi)
    }))

  it("--help on a terminal is coloured, unless NO_COLOR is set", () => {
    expect(onTerminal(["account", "--help"])).toMatch(ansi)
    const plain = onTerminal(["account", "--help"], { NO_COLOR: "1" })
    expect(plain).toContain("DESCRIPTION")
    expect(plain).not.toMatch(ansi)
  })
})

describe("enrich --completions", () => {
  it.live("bash: the script completes commands and options", () =>
    Effect.gen(function*() {
      const script = yield* Cli.run(["--completions", "bash"])
      expect(script.code).toBe(0)
      const complete = (words: string) =>
        execFileSync("bash", [
          "-c",
          `${script.stdout}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); ` +
          `_enrich_bash_completions enrich; echo "\${COMPREPLY[@]}"`
        ], { encoding: "utf8" }).trim()
      expect(complete("enrich acc")).toBe("account")
      expect(complete("enrich account --inc")).toBe("--include-raw")
    }))

  it.live("zsh and fish: a script for each", () =>
    Effect.gen(function*() {
      const zsh = yield* Cli.run(["--completions", "zsh"])
      expect(zsh.code).toBe(0)
      expect(zsh.stdout).toMatch(/^#compdef enrich/)
      const fish = yield* Cli.run(["--completions", "fish"])
      expect(fish.code).toBe(0)
      expect(fish.stdout).toContain("complete -c enrich")
      expect(fish.stdout).toContain("account")
    }))
})
