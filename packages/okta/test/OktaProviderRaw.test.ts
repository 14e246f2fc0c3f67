import { describe, expect, it } from "@effect/vitest"
import * as Indicator from "@enrich/core/Indicator"
import * as MaliceRules from "@enrich/core/MaliceRules"
import type * as Provider from "@enrich/core/Provider"
import * as OktaClient from "@enrich/okta/OktaClient"
import * as OktaProvider from "@enrich/okta/OktaProvider"
import { Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { fakeOkta, groups, json } from "./support/fakeOkta.js"

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
const enrichOfficial = (rules: MaliceRules.RuleSet = MaliceRules.empty, keepRaw?: OktaProvider.KeepRaw) =>
  Effect.gen(function*() {
    const okta = fakeOkta(({ url }) => {
      const path = new URL(url).pathname
      if (path.endsWith("/groups")) return json(sent.groups)
      if (path.endsWith("/factors")) return json(sent.factors)
      if (path.endsWith("/roles")) return json(sent.roles)
      return json(sent.user)
    })
    const provider = yield* OktaProvider.make({ rules, keepRaw }).pipe(
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
      const { found: lookup } = yield* enrichOfficial(MaliceRules.empty, "always")
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

describe("OktaProvider keepRaw", () => {
  const rawRule = MaliceRules.decodeSync({
    rules: [{ field: "raw.user.credentials.provider.type", operator: "eq", value: "OKTA", verdict: "Benign" }]
  })

  it.effect("auto (the default), no rule on raw.: the lookup keeps no raw, its fields are the same", () =>
    Effect.gen(function*() {
      const { found: lean } = yield* enrichOfficial()
      const { found: full } = yield* enrichOfficial(MaliceRules.empty, "always")
      expect(lean.raw).toBeNull()
      expect(lean.extracted).toStrictEqual(full.extracted)
      expect(lean.warnings).toStrictEqual([])
    }))

  it.effect("auto, a rule on raw.: raw is kept, all of it", () =>
    Effect.gen(function*() {
      const { found: lookup } = yield* enrichOfficial(rawRule)
      expect(lookup.raw).toStrictEqual(sent)
    }))

  it.effect("never: no raw even for a rule on raw. (which then does not match)", () =>
    Effect.gen(function*() {
      const { found: lookup, provider } = yield* enrichOfficial(rawRule, "never")
      expect(lookup.raw).toBeNull()
      expect(MaliceRules.evaluate(provider.rules, lookup, 0).matchedRule).toBeNull()
    }))

  /** The provider over the real client, recording the options each group listing is asked with. */
  const groupListings = (keepRaw?: OktaProvider.KeepRaw) =>
    Effect.gen(function*() {
      const asked: Array<unknown> = []
      const okta = fakeOkta(({ url }) => {
        const path = new URL(url).pathname
        if (path.endsWith("/groups")) return json(sent.groups)
        if (path.endsWith("/factors")) return json(sent.factors)
        if (path.endsWith("/roles")) return json(sent.roles)
        return json(sent.user)
      })
      const recording = Layer.effect(
        OktaClient.OktaClient,
        Effect.map(OktaClient.OktaClient, (client): OktaClient.Service => ({
          ...client,
          listUserGroups: (userId, options) => {
            asked.push(options)
            return client.listUserGroups(userId, options)
          }
        }))
      ).pipe(
        Layer.provide(OktaClient.layer({ domain: "acme.okta.com", token: Redacted.make("00token-raw-test") })),
        Layer.provide(okta.layer)
      )
      const provider = yield* OktaProvider.make({ keepRaw }).pipe(Effect.provide(recording))
      yield* provider.enrich(yield* Indicator.account(USER_ID))
      return asked
    })

  it.effect("without raw, groups are listed without their JSON; with raw, as Okta sent them", () =>
    Effect.gen(function*() {
      expect(yield* groupListings()).toStrictEqual([{ keepRaw: false }])
      expect(yield* groupListings("always")).toStrictEqual([undefined])
    }))
})

describe("OktaClient listUserGroups keepRaw: false", () => {
  const page = (after: string) => `https://acme.okta.com/api/v1/users/00u1/groups?after=${after}`

  it.effect("every page's groups decoded as before, raw null: no page's JSON is held", () =>
    Effect.gen(function*() {
      // Three pages of two groups, for each listing.
      const okta = fakeOkta((_, n) => {
        const i = n % 3
        return json(groups(i * 2, i * 2 + 2), i < 2 ? { headers: { link: `<${page(`c${i + 1}`)}>; rel="next"` } } : {})
      })
      const client = yield* OktaClient.make({ domain: "acme.okta.com", token: Redacted.make("00token-raw-test") }).pipe(
        Effect.provide(okta.layer),
        Effect.scoped
      )
      const lean = yield* client.listUserGroups("00u1", { keepRaw: false })
      const full = yield* client.listUserGroups("00u1")
      expect(lean.complete).toBe(true)
      expect(lean.items.map((group) => group.raw)).toStrictEqual([null, null, null, null, null, null])
      expect(lean.items).toStrictEqual(full.items.map((group) => ({ ...group, raw: null })))
      expect(full.items.map((group) => group.raw)).toStrictEqual(groups(0, 6))
    }))

  it.effect("a group of the wrong shape is still an error naming the field", () =>
    Effect.gen(function*() {
      const okta = fakeOkta(() => json([{ id: "00g1", profile: { name: 42 } }]))
      const client = yield* OktaClient.make({ domain: "acme.okta.com", token: Redacted.make("00token-raw-test") }).pipe(
        Effect.provide(okta.layer),
        Effect.scoped
      )
      const error = yield* Effect.flip(client.listUserGroups("00u1", { keepRaw: false }))
      expect(error._tag).toBe("OktaInvalidResponse")
      expect(error.message).toContain("[0].profile.name")
    }))
})

describe("OktaProvider keepRaw with recent activity", () => {
  /** Two lookups of one account with activity on: the second reads only the System Log (the identity is kept). */
  const twice = (keepRaw?: OktaProvider.KeepRaw) =>
    Effect.gen(function*() {
      const okta = fakeOkta(({ url }) => {
        const path = new URL(url).pathname
        if (path === "/api/v1/logs") return json([])
        if (path.endsWith("/groups")) return json(sent.groups)
        if (path.endsWith("/factors")) return json(sent.factors)
        if (path.endsWith("/roles")) return json(sent.roles)
        return json(sent.user)
      })
      const provider = yield* OktaProvider.make({ keepRaw, activity: { window: "7 days" } }).pipe(
        Effect.provide(
          OktaClient.layer({ domain: "acme.okta.com", token: Redacted.make("00token-raw-test") }).pipe(
            Layer.provide(okta.layer)
          )
        )
      )
      const indicator = yield* Indicator.account(USER_ID)
      const first = yield* provider.enrich(indicator)
      const requests = okta.seen.length
      const second = yield* provider.enrich(indicator)
      if (first._tag !== "Found" || second._tag !== "Found") return yield* Effect.dieMessage("expected Found")
      expect(okta.seen.slice(requests).map((seen) => new URL(seen.url).pathname)).toStrictEqual(["/api/v1/logs"])
      expect(second.extracted).toStrictEqual(first.extracted)
      return [first.raw, second.raw]
    })

  it.effect("without raw, neither the lookup nor its refresh from the kept identity has raw", () =>
    Effect.gen(function*() {
      expect(yield* twice()).toStrictEqual([null, null])
    }))

  it.effect("with raw, both have the responses and the System Log events", () =>
    Effect.gen(function*() {
      const expected = { ...sent, logs: [] }
      expect(yield* twice("always")).toStrictEqual([expected, expected])
    }))
})
