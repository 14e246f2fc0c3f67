import { describe, expect, it } from "@effect/vitest"
import * as Pagination from "@enrich/okta/Pagination"

const origin = "https://acme.okta.com"
const self = `<${origin}/api/v1/users/00u1/groups?limit=200>; rel="self"`
const next = (after: string, host = origin) => `<${host}/api/v1/users/00u1/groups?after=${after}&limit=200>; rel="next"`

describe("Pagination.nextLinks", () => {
  it("reads rel=next from separate header lines and from a comma-joined value alike", () => {
    const separate = Pagination.nextLinks([self, next("c1")], origin)
    const joined = Pagination.nextLinks(`${self}, ${next("c1")}`, origin)
    expect(separate).toEqual([`${origin}/api/v1/users/00u1/groups?after=c1&limit=200`])
    expect(joined).toEqual(separate)
  })

  it("ignores self-only, empty and missing headers; resolves relative links against the org", () => {
    expect(Pagination.nextLinks(self, origin)).toEqual([])
    expect(Pagination.nextLinks("", origin)).toEqual([])
    expect(Pagination.nextLinks(undefined, origin)).toEqual([])
    expect(Pagination.nextLinks(`</api/v1/users?after=x>; rel="next"`, origin)).toEqual([
      `${origin}/api/v1/users?after=x`
    ])
  })

  it("reads unquoted and multi-valued rel", () => {
    expect(Pagination.nextLinks(`<${origin}/a?after=1>; rel=next`, origin)).toHaveLength(1)
    expect(Pagination.nextLinks(`<${origin}/a?after=1>; rel="next last"`, origin)).toHaveLength(1)
  })
})

describe("Pagination.next", () => {
  const first = new URL(`${origin}/api/v1/users/00u1/groups`)

  it("follows the org's own next links and is done without one", () => {
    const walk = Pagination.start(origin, 100, first)
    const step = Pagination.next(walk, next("c1"))
    expect(step).toEqual({ _tag: "Follow", url: new URL(`${origin}/api/v1/users/00u1/groups?after=c1&limit=200`) })
    expect(Pagination.next(walk, self)).toEqual({ _tag: "Done" })
  })

  it("refuses another origin, including another scheme, port or a look-alike host", () => {
    for (
      const host of [
        "https://evil.example",
        "http://acme.okta.com",
        "https://acme.okta.com:444",
        "https://acme.okta.com.evil.example"
      ]
    ) {
      const step = Pagination.next(Pagination.start(origin, 100, first), next("c1", host))
      expect(step._tag).toBe("Stop")
    }
  })

  it("stops on a repeated cursor", () => {
    const walk = Pagination.start(origin, 100, first)
    expect(Pagination.next(walk, next("c1"))._tag).toBe("Follow")
    expect(Pagination.next(walk, next("c2"))._tag).toBe("Follow")
    const step = Pagination.next(walk, next("c1"))
    expect(step).toMatchObject({ _tag: "Stop" })
    expect(step._tag === "Stop" && step.reason).toContain("c1")
  })

  it("stops at the page bound", () => {
    const walk = Pagination.start(origin, 2, first)
    expect(Pagination.next(walk, next("c1"))._tag).toBe("Follow")
    const step = Pagination.next(walk, next("c2"))
    expect(step._tag === "Stop" && step.reason).toContain("2 pages")
  })
})
