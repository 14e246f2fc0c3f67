import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import * as SearchExpression from "../src/testing/SearchExpression.js"

const org = SandboxOrg.defaultOrg
const logins = (result: Either.Either<ReadonlyArray<SandboxOrg.OktaUserJson>, unknown>) =>
  Either.getOrThrow(result).map((user) => user.profile.login).sort()
const searchLogins = (expression: string) => logins(SandboxOrg.searchUsers(org, expression))
const filterLogins = (expression: string) => logins(SandboxOrg.filterUsers(org, expression))
const syntaxError = (result: Either.Either<unknown, SearchExpression.SearchSyntaxError>) =>
  Either.match(result, { onLeft: (error) => error, onRight: () => undefined })

describe("SearchExpression", () => {
  it("parses comparisons joined by and/or with and binding tighter", () => {
    expect(Either.getOrThrow(SearchExpression.parse("a eq \"1\" or b sw \"2\" and c pr"))).toEqual({
      _tag: "Or",
      left: { _tag: "Compare", attribute: "a", operator: "eq", value: "1" },
      right: {
        _tag: "And",
        left: { _tag: "Compare", attribute: "b", operator: "sw", value: "2" },
        right: { _tag: "Present", attribute: "c" }
      }
    })
  })

  it("honours parentheses, case-insensitive keywords and non-string literals", () => {
    expect(Either.getOrThrow(SearchExpression.parse("(a EQ \"1\" OR b eq true) AND c gt 5"))).toEqual({
      _tag: "And",
      left: {
        _tag: "Or",
        left: { _tag: "Compare", attribute: "a", operator: "eq", value: "1" },
        right: { _tag: "Compare", attribute: "b", operator: "eq", value: true }
      },
      right: { _tag: "Compare", attribute: "c", operator: "gt", value: 5 }
    })
  })

  it("unescapes \\\" and \\\\ inside values, and quote() escapes them back", () => {
    const expression = Either.getOrThrow(SearchExpression.parse("profile.nickName eq \"say \\\"hi\\\" \\\\o/\""))
    expect(expression).toEqual({
      _tag: "Compare",
      attribute: "profile.nickName",
      operator: "eq",
      value: "say \"hi\" \\o/"
    })
    const value = "O\"Brien \\ co"
    expect(Either.getOrThrow(SearchExpression.parse(`x eq ${SearchExpression.quote(value)}`))).toMatchObject({ value })
  })

  it("reports where the syntax is wrong", () => {
    const cases: ReadonlyArray<readonly [string, number, string]> = [
      ["profile.email eq", 16, "expected a value"],
      ["profile.email equals \"x\"", 14, "unknown operator"],
      ["(status eq \"ACTIVE\"", 19, "expected \")\""],
      ["status eq \"ACTIVE", 10, "unterminated"],
      ["status eq ACTIVE", 10, "double-quoted"],
      ["status eq \"A\" status eq \"B\"", 14, "expected \"and\""],
      ["", 0, "expected a comparison"],
      ["\"x\" eq \"y\"", 0, "attribute name"]
    ]
    for (const [input, position, reason] of cases) {
      const error = syntaxError(SearchExpression.parse(input))
      expect(error, input).toBeDefined()
      expect(error!.position, input).toBe(position)
      expect(error!.reason, input).toContain(reason)
      expect(error!.message).toContain(JSON.stringify(input))
    }
  })
})

describe("SandboxOrg.searchUsers", () => {
  it("compares values ignoring case and includes DEPROVISIONED users", () => {
    expect(searchLogins("profile.login eq \"JSMITH@EXAMPLE.COM\"")).toEqual(["jsmith@example.com"])
    expect(searchLogins("profile.email eq \"mike.jones@example.com\"")).toEqual([
      "mike.jones.admin@example.com",
      "mjones@example.com"
    ])
    expect(searchLogins("profile.lastName sw \"bren\"")).toEqual(["dave.former@example.com"])
  })

  it("searches id, status, type.id, custom attributes and arrays", () => {
    const jsmith = org.usersByLogin.get("jsmith@example.com")!.json
    expect(searchLogins(`id eq "${jsmith.id}"`)).toEqual(["jsmith@example.com"])
    expect(searchLogins("status eq \"locked_out\"")).toEqual(["erin.lee@example.com"])
    expect(searchLogins(`type.id eq "${(jsmith.type as { readonly id: string }).id}"`)).toHaveLength(org.users.length)
    expect(searchLogins("profile.clearanceLevel eq \"SECRET\"")).toEqual(["rachel.custom@example.com"])
    expect(searchLogins("profile.badgeIds eq \"b-2002\"")).toEqual(["rachel.custom@example.com"])
    expect(searchLogins("profile.isContractor eq false")).toEqual(["rachel.custom@example.com"])
  })

  it("matches quotes inside values and diacritics exactly", () => {
    expect(searchLogins("profile.title eq \"regional \\\"emea\\\" lead\"")).toEqual(["owen.o'brien@example.com"])
    expect(searchLogins("profile.lastName eq \"O'Brien\"")).toEqual(["owen.o'brien@example.com"])
    expect(searchLogins("profile.firstName eq \"josé\"")).toEqual(["josé.garcía@example.com"])
    expect(searchLogins("profile.firstName eq \"jose\"")).toEqual([])
  })

  it("combines terms with and/or and parentheses", () => {
    expect(
      searchLogins("profile.department eq \"Sales\" and (status eq \"SUSPENDED\" or status eq \"LOCKED_OUT\")")
    ).toEqual(["carol.white@example.com", "erin.lee@example.com"])
    expect(searchLogins("status lt \"STAGED\" or status gt \"STAGED\"")).toHaveLength(org.users.length - 1)
    expect(searchLogins("profile.login co \"groups\"")).toEqual(["paula.groups@example.com"])
  })

  it("rejects syntax errors and operators Okta's search does not support", () => {
    for (const expression of ["status eq", "status ne \"ACTIVE\"", "profile.title co \"dev\"", "status ew \"E\""]) {
      expect(syntaxError(SandboxOrg.searchUsers(org, expression))?._tag, expression).toBe("SearchSyntaxError")
    }
  })
})

describe("SandboxOrg.filterUsers", () => {
  it("compares exactly (case-sensitive) and includes DEPROVISIONED users", () => {
    expect(filterLogins("profile.login eq \"Quentin.Tarrant@Example.COM\"")).toEqual(["Quentin.Tarrant@Example.COM"])
    expect(filterLogins("profile.login eq \"quentin.tarrant@example.com\"")).toEqual([])
    expect(filterLogins("status eq \"DEPROVISIONED\"")).toEqual(["dave.former@example.com"])
    expect(filterLogins("status eq \"deprovisioned\"")).toEqual([])
    expect(filterLogins("lastUpdated gt \"2024-01-01T00:00:00.000Z\"")).toHaveLength(org.users.length)
  })

  it("rejects the fields and operators filter does not support", () => {
    for (
      const expression of [
        "profile.department eq \"Engineering\"",
        "profile.login sw \"j\"",
        "status gt \"A\"",
        "profile.email pr"
      ]
    ) {
      const error = syntaxError(SandboxOrg.filterUsers(org, expression))
      expect(error?.reason, expression).toMatch(/filter does not support/)
    }
  })
})

describe("SandboxOrg.qUsers", () => {
  it("matches the start of first name, last name or email and omits DEPROVISIONED users", () => {
    expect(SandboxOrg.qUsers(org, "SMI").map((u) => u.profile.login)).toEqual(["jsmith@example.com"])
    expect(SandboxOrg.qUsers(org, "k.chan").map((u) => u.profile.login)).toEqual(["kevin.chan@example.com"])
    expect(SandboxOrg.qUsers(org, "kevin.chan")).toEqual([])
    expect(SandboxOrg.qUsers(org, "Dave")).toEqual([])
  })
})
