/**
 * The sandbox speaks Okta: its responses validate against the response schemas of Okta's management OpenAPI spec
 * (release 2026.06.3, test/fixtures/okta-management-subset.json), and an org built from the spec's official examples
 * serves exactly those examples.
 */
import { describe, expect, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { Effect, Either } from "effect"
import { readFileSync } from "node:fs"
import * as Sandbox from "../src/testing/Sandbox.js"
import * as SandboxActivity from "../src/testing/SandboxActivity.js"
import * as SandboxOrg from "../src/testing/SandboxOrg.js"
import { json, nextPath } from "./fixtures/SandboxHttp.js"

// OpenAPI 3.0 -> what ajv validates: `nullable` is understood by ajv itself; a `discriminator` with a `mapping`
// becomes "if the property has this value, then the mapped schema" (ajv's own discriminator support has no
// mappings), and a discriminator whose mapped schemas are not in the subset is dropped.
const toJsonSchema = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key !== "discriminator" && key !== "example" && key !== "examples") out[key] = toJsonSchema(value)
  }
  const discriminator = (node as { readonly discriminator?: any }).discriminator
  if (discriminator !== undefined && Array.isArray(out.oneOf) && discriminator.mapping !== undefined) {
    const property = discriminator.propertyName as string
    out.anyOf = out.oneOf
    delete out.oneOf
    out.allOf = [
      ...((out.allOf as Array<unknown>) ?? []),
      ...Object.entries(discriminator.mapping as Record<string, string>).map(([value, ref]) => ({
        if: { properties: { [property]: { const: value } }, required: [property] },
        then: { $ref: ref }
      }))
    ]
  }
  return out
}

const spec: any = JSON.parse(
  readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8")
)

const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true })
ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
ajv.addSchema({ components: toJsonSchema(spec.components) }, "okta")

const operations = {
  getUser: ["/api/v1/users/{id}", "get"],
  listUsers: ["/api/v1/users", "get"],
  listUserGroups: ["/api/v1/users/{id}/groups", "get"],
  listFactors: ["/api/v1/users/{userId}/factors", "get"],
  listAssignedRolesForUser: ["/api/v1/users/{userId}/roles", "get"],
  listLogEvents: ["/api/v1/logs", "get"]
} as const

type Operation = keyof typeof operations

const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs)
  if (node === null || typeof node !== "object") return node
  return Object.fromEntries(
    Object.entries(node).map((
      [key, value]
    ) => [key, key === "$ref" && typeof value === "string" ? `okta${value}` : rewriteRefs(value)])
  )
}

const validators = Object.fromEntries(
  Object.entries(operations).map(([operation, [path, method]]) => {
    const schema = spec.paths[path][method].responses["200"].content["application/json"].schema
    return [operation, ajv.compile(rewriteRefs(toJsonSchema(schema)) as object)]
  })
) as Record<Operation, ReturnType<typeof ajv.compile>>

const conforms = (operation: Operation, body: unknown): void => {
  const validate = validators[operation]
  const valid = validate(body)
  expect(valid ? [] : ajv.errorsText(validate.errors, { separator: "\n" }).split("\n").slice(0, 5), operation).toEqual(
    []
  )
}

const examplesOf = (path: string): Record<string, unknown> => {
  const examples = spec.paths[path].get.responses["200"].content["application/json"].examples
  return Object.fromEntries(
    Object.entries(examples).map(([name, example]: [string, any]) => {
      const resolved = example.$ref === undefined
        ? example
        : spec.components.examples[example.$ref.split("/").pop()]
      return [name, resolved.value]
    })
  )
}

const org = SandboxOrg.defaultOrg
const driftRoleTypes: ReadonlySet<string> = new Set(["MOBILE_ADMIN"])

describe("Sandbox conformance with Okta's OpenAPI spec", () => {
  it("validates the validator: a wrong role type and a non-string login are rejected", () => {
    expect(validators.listAssignedRolesForUser([{ type: 42 }])).toBe(false)
    expect(validators.getUser({ id: "00u1", profile: { login: 7 } })).toBe(false)
    expect(validators.listUsers([{ id: "00u1", status: "HAPPY" }])).toBe(false)
    expect(validators.listUserGroups([{ id: "00g1", type: "NOT_A_TYPE" }])).toBe(false)
  })

  it.scoped("every user, list, search, group page, factor list, role list and log page of the seed org conforms", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ rateLimits: { "*": { limit: 100_000 } } })
      for (const user of org.users) {
        const id = user.json.id
        conforms("getUser", (yield* json(sandbox, `/api/v1/users/${id}`)).json)
        let path: string | undefined = `/api/v1/users/${id}/groups`
        while (path !== undefined) {
          const page: any = yield* json(sandbox, path)
          conforms("listUserGroups", page.json)
          path = nextPath(sandbox, page)
        }
        conforms("listFactors", (yield* json(sandbox, `/api/v1/users/${id}/factors`)).json)
        const roles = (yield* json(sandbox, `/api/v1/users/${id}/roles`)).json as Array<any>
        // The seed deliberately holds a role type newer than the spec's enum (Okta's role types drift).
        conforms("listAssignedRolesForUser", roles.filter((role) => !driftRoleTypes.has(role.type)))
        for (const role of roles.filter((role) => driftRoleTypes.has(role.type))) {
          expect(validators.listAssignedRolesForUser([role])).toBe(false)
          expect(validators.listAssignedRolesForUser([{ ...role, type: "APP_ADMIN" }])).toBe(true)
        }
      }
      conforms("listUsers", (yield* json(sandbox, "/api/v1/users")).json)
      conforms(
        "listUsers",
        (yield* json(sandbox, `/api/v1/users?search=${encodeURIComponent("status eq \"DEPROVISIONED\"")}`)).json
      )
      const logs = yield* json(sandbox, "/api/v1/logs?since=2025-01-01T00:00:00Z&until=2025-02-01T00:00:00Z")
      expect(logs.json.length).toBe(org.logs.length)
      conforms("listLogEvents", logs.json)
      // The recent-activity stories, served relative to the sandbox's start (the TestClock's 0), page by page.
      let logPath: string | undefined = "/api/v1/logs?since=1969-12-20T00:00:00Z&until=1970-01-01T00:01:00Z&limit=25"
      let storyEvents = 0
      while (logPath !== undefined) {
        const page: any = yield* json(sandbox, logPath)
        conforms("listLogEvents", page.json)
        storyEvents += page.json.length
        logPath = nextPath(sandbox, page)
      }
      expect(storyEvents).toBe(SandboxActivity.events(new Date(0)).length)
    }))

  it("the spec's own examples conform to the same validators (except documented quirks)", () => {
    for (const value of Object.values(examplesOf("/api/v1/users"))) conforms("listUsers", value)
    // Quirk of the published LogEvent examples: they send null for fields the schema does not mark nullable.
    expect(validators.listLogEvents(examplesOf("/api/v1/logs").ListLogs)).toBe(false)
    conforms("getUser", examplesOf("/api/v1/users/{id}").GetUserExample)
    conforms("listUserGroups", examplesOf("/api/v1/users/{id}/groups")["List user groups"])
    conforms("listFactors", examplesOf("/api/v1/users/{userId}/factors").ListFactorsResponse)
    const roleExamples = examplesOf("/api/v1/users/{userId}/roles")
    conforms("listAssignedRolesForUser", roleExamples["Standard roles"])
    conforms("listAssignedRolesForUser", roleExamples["IAM-based standard roles"])
    // Quirk of the published example: one custom role's `_links.assignee` has the key `href"` instead of `href`.
    expect(validators.listAssignedRolesForUser(roleExamples["Custom roles"])).toBe(false)
    expect(JSON.stringify(roleExamples["Custom roles"])).toContain("\"href\\\"\"")
  })

  describe("an org built from the spec's examples serves them verbatim", () => {
    const users = examplesOf("/api/v1/users")
    const user = examplesOf("/api/v1/users/{id}").GetUserExample as Record<string, any>
    const groups = examplesOf("/api/v1/users/{id}/groups")["List user groups"] as Array<any>
    const factors = examplesOf("/api/v1/users/{userId}/factors").ListFactorsResponse as Array<any>
    const roles = examplesOf("/api/v1/users/{userId}/roles")["Standard roles"] as Array<any>
    const logs = examplesOf("/api/v1/logs").ListLogs as Array<any>
    const orgOf = (seed: unknown) => Either.getOrThrowWith(SandboxOrg.fromJson(seed), (e) => new Error(e.message))

    it.scoped("getUser, listUserGroups, listFactors, listAssignedRolesForUser, listLogEvents", () =>
      Effect.gen(function*() {
        const sandbox = yield* Sandbox.make({
          org: orgOf({
            users: [{ user, groupIds: groups.map((g) => g.id), factors, roles }],
            groups: groups.map((group) => ({ group })),
            logs
          })
        })
        expect((yield* json(sandbox, `/api/v1/users/${user.id}`)).json).toEqual(user)
        expect((yield* json(sandbox, "/api/v1/users/isaac.brock%40example.com")).json).toEqual(user)
        expect((yield* json(sandbox, `/api/v1/users/${user.id}/groups`)).json).toEqual(groups)
        expect((yield* json(sandbox, `/api/v1/users/${user.id}/factors`)).json).toEqual(factors)
        expect((yield* json(sandbox, `/api/v1/users/${user.id}/roles`)).json).toEqual(roles)
        const logPage = yield* json(sandbox, "/api/v1/logs?since=2024-08-01T00:00:00Z&until=2024-09-01T00:00:00Z")
        expect(logPage.json).toEqual(logs)
      }))

    it.scoped("listUsers: plain list, search, q and filter", () =>
      Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [string, string]> = [
          ["ListUsers", ""],
          ["UsersSearch", `search=${encodeURIComponent("profile.department eq \"Engineering\"")}`],
          ["UsersQ", "q=j"],
          ["UsersFilter", `filter=${encodeURIComponent("status eq \"LOCKED_OUT\"")}`]
        ]
        for (const [name, query] of cases) {
          const expected = users[name] as Array<any>
          const sandbox = yield* Sandbox.make({ org: orgOf({ users: expected.map((user) => ({ user })) }) })
          const response = yield* json(sandbox, `/api/v1/users?${query}`)
          expect(response.json, name).toEqual(expected)
        }
      }))
  })
})
