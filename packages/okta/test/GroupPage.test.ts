/**
 * The fast group-page decoder (groups listed without raw) gives exactly what the `OktaGroup` Schema gives, minus the
 * raw JSON: the same values for every shape the Schema accepts, and the Schema's own error for every other.
 */
import { describe, expect, it } from "@effect/vitest"
import * as OktaResources from "@enrich/okta/OktaResources"
import { Either, ParseResult, Schema } from "effect"
import { readFileSync } from "node:fs"
import * as GroupPage from "../src/internal/groupPage.js"

const spec = JSON.parse(readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8"))

/** The spec's example page of `listUserGroups` (Okta's own JSON). */
const specPage = (): unknown => {
  const op = Object.values<any>(spec.paths).flatMap((item) => Object.values<any>(item)).find((o) =>
    o?.operationId === "listUserGroups"
  )
  const example = Object.values<any>(op.responses["200"].content["application/json"].examples)[0]
  const ref = example.$ref?.replace(/^#\//, "").split("/")
  return (ref === undefined ? example : ref.reduce((at: any, key: string) => at[key], spec)).value
}

let schemaCalls = 0
const schema = (input: unknown) => {
  schemaCalls++
  return ParseResult.decodeUnknownEither(Schema.Array(OktaResources.OktaGroup))(input)
}
const fast = GroupPage.withoutRaw(schema)
const slow = (input: unknown) =>
  Either.map(schema(input), (groups) => groups.map(({ raw: _raw, ...group }) => ({ ...group, raw: null })))

const valid: ReadonlyArray<[string, unknown]> = [
  ["Okta's example page", specPage()],
  ["an empty page", []],
  ["type and description absent", [{ id: "00g1", profile: { name: "Everyone" } }]],
  ["type undefined, description null", [{ id: "00g1", type: undefined, profile: { name: "A", description: null } }]],
  ["an unknown type and extra fields", [{ id: "00g1", type: "NEW_KIND", x: 1, profile: { name: "A", extra: [1] } }]],
  ["description undefined", [{ id: "00g1", type: "APP_GROUP", profile: { name: "A", description: undefined } }]]
]

const invalid: ReadonlyArray<[string, unknown]> = [
  ["not an array", { id: "00g1" }],
  ["null", null],
  ["a group that is not an object", [{ id: "00g1", profile: { name: "A" } }, "00g2"]],
  ["an array as a group", [[]]],
  ["a numeric id", [{ id: 1, profile: { name: "A" } }]],
  ["no profile", [{ id: "00g1" }]],
  ["a profile that is an array", [{ id: "00g1", profile: [] }]],
  ["a name that is null", [{ id: "00g1", profile: { name: null } }]],
  ["a numeric type", [{ id: "00g1", type: 3, profile: { name: "A" } }]],
  ["a numeric description", [{ id: "00g1", profile: { name: "A", description: 5 } }]],
  ["the bad group after good ones", [{ id: "00g1", profile: { name: "A" } }, { id: "00g2", profile: {} }]]
]

describe("GroupPage.withoutRaw", () => {
  it("Okta's example page has groups (the comparison below is not vacuous)", () => {
    expect(Array.isArray(specPage()) && (specPage() as Array<unknown>).length).toBeGreaterThan(0)
  })

  for (const [name, input] of valid) {
    it(`${name}: the Schema's value, raw null, without calling the Schema`, () => {
      const expected = slow(input)
      expect(Either.isRight(expected)).toBe(true)
      schemaCalls = 0
      expect(fast(input)).toEqual(expected)
      expect(schemaCalls).toBe(0)
    })
  }

  for (const [name, input] of invalid) {
    it(`${name}: the Schema's own error`, () => {
      const result = fast(input)
      expect(Either.isLeft(result)).toBe(true)
      const expected = schema(input)
      expect(Either.isLeft(expected)).toBe(true)
      if (Either.isLeft(result) && Either.isLeft(expected)) {
        expect(ParseResult.TreeFormatter.formatIssueSync(result.left)).toBe(
          ParseResult.TreeFormatter.formatIssueSync(expected.left)
        )
      }
    })
  }
})
