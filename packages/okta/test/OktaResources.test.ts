import { describe, expect, it } from "@effect/vitest"
import * as OktaResources from "@enrich/okta/OktaResources"
import { Either, ParseResult, Schema } from "effect"
import { readFileSync } from "node:fs"

/** Okta's management OpenAPI spec (release 2026.06.3, Apache-2.0), cut to the operations we call. */
const spec = JSON.parse(readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8"))

const resolve = (node: any): any => {
  if (node && typeof node === "object" && typeof node.$ref === "string") {
    const path = node.$ref.replace(/^#\//, "").split("/")
    return resolve(path.reduce((at: any, key: string) => at[key], spec))
  }
  return node
}

const operation = (operationId: string) => {
  for (const item of Object.values<any>(spec.paths)) {
    for (const op of Object.values<any>(item)) if (op?.operationId === operationId) return op
  }
  throw new Error(`operation ${operationId} is not in the spec`)
}

/** Every example of an operation's responses with `status`, by name. */
const examples = (operationId: string, status: string): Array<[string, unknown]> => {
  const response = resolve(operation(operationId).responses[status])
  const content = response?.content?.["application/json"]
  return Object.entries<any>(content?.examples ?? {}).map(([name, example]) => [name, resolve(example).value])
}

const decodes = (schema: Schema.Schema<any, any>, value: unknown) => {
  const result = Schema.decodeUnknownEither(schema)(value)
  if (Either.isLeft(result)) throw new Error(ParseResult.TreeFormatter.formatErrorSync(result.left))
  return result.right
}

const cases: Array<[string, Schema.Schema<any, any>]> = [
  ["getUser", OktaResources.OktaUser],
  ["listUsers", Schema.Array(OktaResources.OktaUser)],
  ["listUserGroups", Schema.Array(OktaResources.OktaGroup)],
  ["listFactors", Schema.Array(OktaResources.OktaFactor)],
  ["listAssignedRolesForUser", Schema.Array(OktaResources.OktaRoleAssignment)]
]

describe("OktaResources accept every official example", () => {
  for (const [operationId, schema] of cases) {
    const all = examples(operationId, "200")
    it(`${operationId}: ${all.length} examples of 200 decode`, () => {
      expect(all.length).toBeGreaterThan(0)
      for (const [, value] of all) expect(() => decodes(schema, value)).not.toThrow()
    })
  }

  it("every error example of those operations decodes as Okta's error body", () => {
    let count = 0
    for (const [operationId] of cases) {
      for (const status of Object.keys(operation(operationId).responses).filter((s) => s !== "200")) {
        for (const [, value] of examples(operationId, status)) {
          const body = decodes(OktaResources.OktaErrorBody, value)
          expect(body.errorCode).toMatch(/^E\d+$/)
          count++
        }
      }
    }
    expect(count).toBeGreaterThan(0)
  })

  it("keeps what enrichment reads from the examples", () => {
    const [, example] = examples("getUser", "200")[0]
    const user = decodes(OktaResources.OktaUser, example)
    expect(user.id).toMatch(/^00u/)
    expect(user.profile.login).toBe("isaac.brock@example.com")
    const [, groups] = examples("listUserGroups", "200")[0]
    expect(decodes(Schema.Array(OktaResources.OktaGroup), groups).every((g: any) => g.profile.name)).toBe(true)
    const roles = examples("listAssignedRolesForUser", "200").flatMap(([, v]) =>
      decodes(Schema.Array(OktaResources.OktaRoleAssignment), v)
    )
    expect(roles.map((r: any) => r.type)).toContain("CUSTOM")
  })
})

describe("OktaResources are lenient where Okta drifts", () => {
  it("keeps unknown statuses, role types and factor types as strings; ignores unknown fields", () => {
    const user = decodes(OktaResources.OktaUser, {
      id: "00u1",
      status: "SOME_FUTURE_STATUS",
      newField: { nested: true },
      profile: { login: "a@example.com", customAttribute: 7 }
    })
    expect(user.status).toBe("SOME_FUTURE_STATUS")
    expect(user.lastLogin).toBeNull()
    expect(user.profile.customAttribute).toBe(7)
    expect(decodes(OktaResources.OktaRoleAssignment, { type: "MOBILE_ADMIN" }).type).toBe("MOBILE_ADMIN")
    expect(decodes(OktaResources.OktaFactor, { id: "f", factorType: "brand:new" }).factorType).toBe("brand:new")
  })

  it("rejects what enrichment cannot do without", () => {
    expect(() => decodes(OktaResources.OktaUser, { status: "ACTIVE", profile: { login: "a" } })).toThrow(/id/)
    expect(() => decodes(OktaResources.OktaGroup, { id: "g", profile: {} })).toThrow(/name/)
  })
})
