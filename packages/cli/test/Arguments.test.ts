/**
 * The command-line checks made before @effect/cli parses the line: each error names the flag and what it accepts.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as AccountCommand from "../src/AccountCommand.js"
import * as Arguments from "../src/Arguments.js"

const check = (...args: ReadonlyArray<string>) =>
  Either.match(Arguments.check(args, [AccountCommand.optionTable]), {
    onLeft: (error) => error.message,
    onRight: () => "ok"
  })

describe("Arguments.check", () => {
  it("accepts a usual line, options before and after the indicators", () => {
    expect(check("account", "-i", "f.txt", "jsmith", "--format", "csv", "--ttl", "account=1h", "not_found=5m"))
      .toBe("ok")
    expect(check("--log-level", "debug", "account", "--format=ndjson", "--sandbox", "x")).toBe("ok")
  })

  it("names the valid values of --log-level and --completions", () => {
    expect(check("--log-level", "loud", "account", "x")).toBe(
      "--log-level \"loud\": expected one of all, trace, debug, info, warning, error, fatal, none"
    )
    expect(check("--completions", "powershell")).toBe(
      "--completions \"powershell\": expected one of bash, zsh, fish, sh"
    )
    expect(check("account", "x", "--log-level")).toContain("option --log-level needs a value: one of all")
  })

  it("says an option was given twice, with its aliases", () => {
    expect(check("account", "-i", "a", "-i", "b")).toBe("option --input (-i) is given more than once; give it once")
    expect(check("account", "--sandbox", "--sandbox")).toBe("option --sandbox is given more than once; give it once")
    expect(check("account", "--ttl", "account=1h", "--ttl", "not_found=5m", "x")).toBe("ok")
  })

  it("names --ttl and the form it takes", () => {
    expect(check("account", "--ttl", "account=", "x")).toContain("--ttl account=: expected KIND=VALUE with both parts")
    expect(check("account", "--ttl", "x")).toContain("option --ttl needs KIND=VALUE pairs")
    expect(check("account", "--ttl=account=1h", "x")).toContain("write --ttl account=1h")
  })

  it("honours --: what follows is an argument, even with a leading -", () => {
    expect(check("account", "--", "-dash-login", "--sandbox", "--sandbox")).toBe("ok")
    expect(check("account", "-dash-login")).toContain("enrich account -- -dash-login")
  })

  it("refuses --wizard, and leaves --help to @effect/cli", () => {
    expect(check("account", "--wizard")).toContain("--wizard is not supported")
    expect(check("account", "--sandbox", "--sandbox", "--help")).toBe("ok")
  })
})
