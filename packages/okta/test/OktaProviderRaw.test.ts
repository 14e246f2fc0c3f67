import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import * as MaliceRules from "@enrich/core/MaliceRules"
import type * as Provider from "@enrich/core/Provider"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { fakeOkta, json } from "./support/fakeOkta.js"

/** Okta's management OpenAPI spec examples: what a real org sends, `credentials`, `_links` and all. */
const spec = JSON.parse(readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8")) as {
  components: { examples: Record<string, { value: unknown }> }
}
const example = (name: string): unknown => structuredClone(spec.components.examples[name].value)

const USER_ID = "00ub0oNGTSWTBKOLGLNR"
const sent = {
  user: example("user-example"),
  groups: example("ListUserGroups"),
  factors: example("ListFactorsResults"),
  roles: example("StandardAndCustomRolesListResponse")
}

/** The provider over the real HTTP client, over a fake Okta answering with the spec's examples. */
const enrichOfficial = (rules: MaliceRules.RuleSet = MaliceRules.empty) =>
  Effect.gen(function*() {
    const okta = fakeOkta(({ url }) => {
      const path = new URL(url).pathname
      if (path.endsWith("/groups")) return json(sent.groups)
      if (path.endsWith("/factors")) return json(sent.factors)
      if (path.endsWith("/roles")) return json(sent.roles)
      return json(sent.user)
    })
    const provider = yield* OktaProvider.make({ rules }).pipe(
      Effect.provide(
        OktaClient.layer({ domain: "acme.okta.com", token: Redacted.make("00token-raw-test") }).pipe(
          Layer.provide(okta.layer)
        )
      )
    )
    const lookup = yield* provider.enrich(yield* Indicator.account(USER_ID))
    if (lookup._tag !== "Found") return yield* Effect.dieMessage(`expected Found, got ${lookup._tag}`)
    return { found: lookup as Provider.Found, provider }
  })

describe("OktaProvider raw", () => {
  it.effect("is what Okta sent: credentials, _links, type and unknown fields kept, absent fields absent", () =>
    Effect.gen(function*() {
      const { found: lookup } = yield* enrichOfficial()
      expect(lookup.raw).toStrictEqual(sent)
      expect(lookup.raw).toMatchObject({ user: { credentials: { provider: { type: "OKTA" } } } })
      // Absent in the example, so absent in raw (the decoded user has `null` there).
      expect(Object.keys((lookup.raw as { user: object }).user)).not.toContain("managerId")
    }))

  it.effect("a rule on raw.user.credentials.provider.type matches", () =>
    Effect.gen(function*() {
      const rules = MaliceRules.decodeSync({
        malice_rules: {
          conditions: [{
            field: "raw.user.credentials.provider.type",
            operator: "eq",
            value: "OKTA",
            verdict: "Benign"
          }]
        }
      })
      const { found: lookup, provider } = yield* enrichOfficial(rules)
      const evaluation = MaliceRules.evaluate(provider.rules, lookup, 0)
      expect(evaluation.verdict).toBe("Benign")
      expect(evaluation.matchedRule).toEqual({ index: 0 })
    }))
})
