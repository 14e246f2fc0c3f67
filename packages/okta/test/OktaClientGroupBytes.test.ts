/**
 * The client reads pages of groups listed without raw from the response's bytes: over real HTTP (the sandbox), a
 * user in many groups is listed page by page and no page goes through `JSON.parse` (GroupPage.fromBytes builds the
 * groups from the bytes); with raw kept, pages are parsed as before. The groups are the same either way.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as OktaClient from "@enrich/okta/OktaClient"
import { Sandbox } from "@enrich/okta/testing"
import { Effect } from "effect"
import { vi } from "vitest"

/** Runs `effect` counting the `JSON.parse` calls given a JSON array (a page of groups). */
const countingPageParses = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const parse = JSON.parse
      let pages = 0
      const spy = vi.spyOn(JSON, "parse").mockImplementation((text: string, reviver) => {
        if (typeof text === "string" && text.trimStart().startsWith("[")) pages++
        return parse(text, reviver)
      })
      return { spy, pages: () => pages }
    }),
    ({ pages }) => Effect.map(effect, (value) => ({ value, pages: pages() })),
    ({ spy }) => Effect.sync(() => spy.mockRestore())
  )

describe("OktaClient reads pages of groups from their bytes", () => {
  it.live("without raw, no page is parsed with JSON.parse; with raw, every page is; the groups are the same", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({})
      const client = yield* OktaClient.make({ domain: sandbox.url, token: sandbox.token })
      const paula = yield* client.getUser("paula.groups@example.com")
      const lean = yield* countingPageParses(client.listUserGroups(paula.id, { keepRaw: false }))
      const full = yield* countingPageParses(client.listUserGroups(paula.id, { keepRaw: true }))
      // Paula is in 450 and more groups: three pages of 200.
      expect(lean.value.items.length).toBeGreaterThan(400)
      expect(lean.pages).toBe(0)
      expect(full.pages).toBe(Math.ceil(full.value.items.length / 200))
      expect(lean.value.items.map((g) => [g.id, g.type, g.profile.name, g.profile.description])).toEqual(
        full.value.items.map((g) => [g.id, g.type, g.profile.name, g.profile.description])
      )
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
