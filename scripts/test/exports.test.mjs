import { describe, expect, it } from "vitest"
import { condition, drift, exportsOf } from "../exports.mjs"

describe("the export maps of @enrich/core and @enrich/okta", () => {
  it("match the public modules in src/ (run `npm run exports` after adding, renaming or removing one)", () => {
    expect(drift()).toEqual([])
  })

  it("export every public module with a source, a types and an import condition, and no internal module", () => {
    const okta = exportsOf("okta")
    expect(okta["./OktaClient"]).toEqual({
      [condition]: "./src/OktaClient.ts",
      types: "./dist/OktaClient.d.ts",
      import: "./dist/OktaClient.js"
    })
    expect(okta["./testing"]).toMatchObject({ import: "./dist/testing/index.js" })
    expect(okta["./testing/Sandbox"]).toMatchObject({ types: "./dist/testing/Sandbox.d.ts" })
    expect(Object.keys(okta).filter((key) => key.includes("internal"))).toEqual([])
    expect(Object.keys(exportsOf("core"))).toContain("./Telemetry")
  })
})
