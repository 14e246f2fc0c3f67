import { describe, expect, it } from "@effect/vitest"
import { OktaClient } from "@enrich/okta/OktaClient"
import { FakeOktaClient, SandboxOrg } from "@enrich/okta/testing"
import { Effect, Option } from "effect"

describe("FakeOktaClient", () => {
  it.effect("answers like the sandbox org: user by login or short name, groups, factors, roles", () =>
    Effect.gen(function*() {
      const client = yield* OktaClient
      const expected = Option.getOrThrow(SandboxOrg.findUser(SandboxOrg.defaultOrg, "jsmith@example.com"))
      const byLogin = yield* client.getUser("JSmith@Example.com")
      const byShortName = yield* client.getUser("jsmith")
      expect(byLogin.id).toBe(expected.json.id)
      expect(byShortName.id).toBe(expected.json.id)
      const groups = yield* client.listUserGroups(byLogin.id)
      expect(groups.complete).toBe(true)
      expect(groups.items.map((g) => g.id)).toEqual(expected.groupIds)
      const factors = yield* client.listFactors(byLogin.id)
      expect(factors).toHaveLength(expected.factors.length)
      const roles = yield* client.listRoles(byLogin.id)
      expect(roles.length).toBe(Option.getOrThrow(SandboxOrg.listRoles(SandboxOrg.defaultOrg, byLogin.id)).length)
    }).pipe(Effect.provide(FakeOktaClient.layer())))

  it.effect("finds by email through Okta's search grammar, and a quote cannot widen the search", () =>
    Effect.gen(function*() {
      const client = yield* OktaClient
      const listing = yield* client.findUsersByEmail("JSMITH@example.com")
      expect(listing.items.map((u) => u.profile.login)).toEqual(["jsmith@example.com"])
      const hostile = yield* client.findUsersByEmail(`nobody@example.com" or profile.email sw "`)
      expect(hostile.items).toEqual([])
    }).pipe(Effect.provide(FakeOktaClient.layer())))

  it.effect("an unknown user is OktaNotFound (E0000007)", () =>
    Effect.gen(function*() {
      const client = yield* OktaClient
      const error = yield* Effect.flip(client.getUser("nobody@example.com"))
      expect(error).toMatchObject({ _tag: "OktaNotFound", errorCode: "E0000007" })
      expect((yield* Effect.flip(client.listFactors("00unknown")))._tag).toBe("OktaNotFound")
    }).pipe(Effect.provide(FakeOktaClient.layer())))
})
