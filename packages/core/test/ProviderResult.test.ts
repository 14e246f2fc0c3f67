import { describe, expect, it } from "@effect/vitest"
import * as ProviderResult from "@enrich/core/ProviderResult"
import { Either, Schema } from "effect"

describe("ProviderResult", () => {
  it("decodes the product page's example result (with the fields enrich adds)", () => {
    const example = {
      status: "success",
      success: true,
      extracted: {
        status: "ACTIVE",
        last_login: "2025-01-15T08:30:00Z",
        groups: ["Engineering", "VPN Users", "AWS Admins"],
        mfa_enrolled: true,
        mfa_factors: ["push", "totp"],
        is_admin: false,
        department: "Engineering",
        title: "Senior Developer"
      },
      enriched_at: "2025-01-15T10:30:06Z",
      cache_hit: false,
      verdict: "Pending",
      matched_rule: null,
      error_message: null
    }
    expect(Schema.decodeUnknownSync(ProviderResult.ProviderResult)(example)).toEqual(example)
  })

  it("builds failed and skipped results that are valid and carry their message", () => {
    const failed = ProviderResult.failed("Okta answered 401: check OKTA_API_TOKEN")
    expect(failed).toMatchObject({
      status: "failed",
      success: false,
      extracted: null,
      error_message: expect.any(String)
    })
    expect(Schema.is(ProviderResult.ProviderResult)(failed)).toBe(true)
    const skipped = ProviderResult.skipped("okta does not handle ip indicators")
    expect(skipped).toMatchObject({ status: "skipped", success: false, verdict: "Pending" })
    expect(Schema.is(ProviderResult.ProviderResult)(skipped)).toBe(true)
  })

  it("refuses an unknown status or verdict", () => {
    const ok = ProviderResult.failed("x")
    expect(Either.isLeft(Schema.decodeUnknownEither(ProviderResult.ProviderResult)({ ...ok, status: "error" }))).toBe(
      true
    )
    expect(Either.isLeft(Schema.decodeUnknownEither(ProviderResult.ProviderResult)({ ...ok, verdict: "Bad" }))).toBe(
      true
    )
  })
})
