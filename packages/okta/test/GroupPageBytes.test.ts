/**
 * A page of groups listed without raw is read straight from its bytes (`GroupPage.fromBytes`), without decoding its
 * text or `JSON.parse` of the page: the value is exactly what the text, `JSON.parse` and the checks give; any page it
 * cannot read is left to them (so their errors are unchanged); and the groups it builds do not keep the page alive.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as OktaResources from "@enrich/okta/OktaResources"
import { Effect, Either, ParseResult, Schema } from "effect"
import { readFileSync } from "node:fs"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { afterEach, vi } from "vitest"
import * as GroupPage from "../src/internal/groupPage.js"
import * as Response from "../src/internal/response.js"
import { groups } from "./support/fakeOkta.js"

const spec = JSON.parse(readFileSync(new URL("./fixtures/okta-management-subset.json", import.meta.url), "utf8")) as {
  components: { examples: Record<string, { value: unknown }> }
}
/** Okta's own example page of a user's groups, `_links` and all. */
const oktaPage = JSON.stringify(spec.components.examples["ListUserGroups"].value)

const decoder = GroupPage.withoutRaw(ParseResult.decodeUnknownEither(Schema.Array(OktaResources.OktaGroup)))

const encoder = new TextEncoder()

/** What the page decodes to the ordinary way: its text, `JSON.parse` (with the depth limit) and the checks. */
const ordinary = (bytes: Uint8Array) =>
  Either.flatMap(Response.parseJson(new Response.Body(bytes).text, 200), (json) => decoder(json))

/** The reader agrees with the ordinary way: the same groups, or it gives up (and the ordinary way answers). */
const agrees = (page: string | Uint8Array): "read" | "left to JSON.parse" => {
  const bytes = typeof page === "string" ? encoder.encode(page) : page
  const read = GroupPage.fromBytes(bytes)
  if (read === undefined) return "left to JSON.parse"
  const expected = ordinary(bytes)
  expect(Either.isRight(expected), `read a page the ordinary way refuses: ${String(page).slice(0, 200)}`).toBe(true)
  if (Either.isRight(expected)) expect(read).toStrictEqual(expected.right)
  return "read"
}

/** A page whose every group carries `pad` characters of fields nobody reads, as Okta's `_links` are. */
const paddedPage = (count: number, pad: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      id: `00g${String(i).padStart(17, "0")}`,
      created: "2020-05-01T12:00:00.000Z",
      objectClass: ["okta:user_group"],
      type: "OKTA_GROUP",
      profile: { name: `Engineering team number ${i}`, description: `The long description of group ${i}` },
      _links: { logo: [{ href: `https://example.okta.com/${"x".repeat(pad)}`, type: "image/png" }] }
    }))
  )

describe("GroupPage.fromBytes", () => {
  it("reads Okta's example page and a page of plain groups as JSON.parse and the checks do", () => {
    expect(agrees(oktaPage)).toBe("read")
    expect(agrees(JSON.stringify(groups(0, 200)))).toBe("read")
    expect(agrees(paddedPage(50, 40))).toBe("read")
    expect(agrees(" [ ] ")).toBe("read")
  })

  const read: ReadonlyArray<[string, string]> = [
    ["whitespace of every kind", "\r\n\t[ { \"id\" : \"00g1\" ,\n\"profile\" :\t{ \"name\" : \"A\" } } ]\n"],
    ["escaped keys", "[{\"\\u0069d\":\"00g1\",\"pro\\u0066ile\":{\"na\\u006de\":\"A\",\"descr\\u0069ption\":null}}]"],
    [
      "escaped values",
      "[{\"id\":\"00g\\\"1\\\\\",\"type\":\"A\\/B\",\"profile\":{\"name\":\"\\ud83d\\ude00 \\b\\f\\n\\r\\t\"}}]"
    ],
    ["a lone surrogate escape", "[{\"id\":\"00g1\",\"profile\":{\"name\":\"\\udc00\"}}]"],
    ["a byte order mark inside a string", "[{\"id\":\"g\",\"profile\":{\"name\":\"\ufeffA\"}}]"],
    ["non-ASCII text", "[{\"id\":\"00g1\",\"profile\":{\"name\":\"Équipe 東京 😀\",\"description\":\"ü\"}}]"],
    ["a repeated id: the last counts", "[{\"id\":\"first\",\"id\":\"last\",\"profile\":{\"name\":\"A\"}}]"],
    [
      "a repeated profile: the last, whole",
      "[{\"id\":\"g\",\"profile\":{\"name\":\"A\",\"description\":\"d\"},\"profile\":{\"name\":\"B\"}}]"
    ],
    ["a repeated type", "[{\"id\":\"g\",\"type\":\"APP_GROUP\",\"type\":\"BUILT_IN\",\"profile\":{\"name\":\"A\"}}]"],
    ["an unknown type", "[{\"id\":\"g\",\"type\":\"OKTA_GROUPS\",\"profile\":{\"name\":\"A\"}}]"],
    [
      "a type that starts like a known one",
      "[{\"id\":\"g\",\"type\":\"OKTA_GROUP\\u0021\",\"profile\":{\"name\":\"A\"}}]"
    ],
    [
      "numbers, literals and nesting in fields nobody reads",
      "[{\"id\":\"g\",\"n\":[0,-1,2.5,-0.25e-3,1E+9,10],\"b\":[true,false,null],\"o\":{\"a\":{\"b\":[[],{}]}},\"profile\":{\"name\":\"A\",\"x\":{\"y\":[1]}}}]"
    ],
    [
      "__proto__ and constructor keys",
      "[{\"__proto__\":{\"id\":\"no\"},\"id\":\"g\",\"constructor\":1,\"profile\":{\"__proto__\":null,\"name\":\"A\"}}]"
    ],
    [
      "fields named like the read ones, nested elsewhere",
      "[{\"_links\":{\"id\":5,\"profile\":[]},\"id\":\"g\",\"profile\":{\"name\":\"A\",\"more\":{\"name\":1}}}]"
    ],
    ["nesting up to the limit", `[{"id":"g","profile":{"name":"A"},"deep":${"[".repeat(62)}${"]".repeat(62)}}]`]
  ]
  for (const [name, text] of read) {
    it(`reads ${name}, as JSON.parse does`, () => {
      expect(agrees(text)).toBe("read")
    })
  }

  const leftToJsonParse: ReadonlyArray<[string, string]> = [
    ["an empty body", ""],
    ["not an array", "{\"id\":\"00g1\",\"profile\":{\"name\":\"A\"}}"],
    ["a group that is not an object", "[\"00g1\"]"],
    ["a numeric id", "[{\"id\":1,\"profile\":{\"name\":\"A\"}}]"],
    ["a repeated id whose last is a number", "[{\"id\":\"g\",\"id\":1,\"profile\":{\"name\":\"A\"}}]"],
    ["a null type", "[{\"id\":\"g\",\"type\":null,\"profile\":{\"name\":\"A\"}}]"],
    ["a numeric description", "[{\"id\":\"g\",\"profile\":{\"name\":\"A\",\"description\":5}}]"],
    ["no profile", "[{\"id\":\"g\"}]"],
    ["a profile that is an array", "[{\"id\":\"g\",\"profile\":[]}]"],
    ["a repeated profile whose last is null", "[{\"id\":\"g\",\"profile\":{\"name\":\"A\"},\"profile\":null}]"],
    ["a repeated profile whose last has no name", "[{\"id\":\"g\",\"profile\":{\"name\":\"A\"},\"profile\":{}}]"],
    ["a trailing comma", "[{\"id\":\"g\",\"profile\":{\"name\":\"A\"}},]"],
    ["a trailing comma in an object", "[{\"id\":\"g\",\"profile\":{\"name\":\"A\",}}]"],
    ["a trailing comma in a field nobody reads", "[{\"id\":\"g\",\"n\":[1,],\"profile\":{\"name\":\"A\"}}]"],
    ["a trailing comma in an object nobody reads", "[{\"id\":\"g\",\"o\":{\"a\":1,},\"profile\":{\"name\":\"A\"}}]"],
    [
      "an object key that is not a string, in a field nobody reads",
      "[{\"id\":\"g\",\"o\":{a:1},\"profile\":{\"name\":\"A\"}}]"
    ],
    ["a leading zero", "[{\"id\":\"g\",\"n\":01,\"profile\":{\"name\":\"A\"}}]"],
    ["a bare minus", "[{\"id\":\"g\",\"n\":-,\"profile\":{\"name\":\"A\"}}]"],
    ["a fraction without digits", "[{\"id\":\"g\",\"n\":1.,\"profile\":{\"name\":\"A\"}}]"],
    ["NaN", "[{\"id\":\"g\",\"n\":NaN,\"profile\":{\"name\":\"A\"}}]"],
    ["single quotes", "[{'id':'g','profile':{'name':'A'}}]"],
    ["a comment", "[/* x */{\"id\":\"g\",\"profile\":{\"name\":\"A\"}}]"],
    ["a byte order mark", "\ufeff[{\"id\":\"g\",\"profile\":{\"name\":\"A\"}}]"],
    ["text after the array", "[{\"id\":\"g\",\"profile\":{\"name\":\"A\"}}] x"],
    ["two arrays", "[][]"],
    ["an unterminated string", "[{\"id\":\"g"],
    ["a raw control character in a string", "[{\"id\":\"g\u0001\",\"profile\":{\"name\":\"A\"}}]"],
    ["a bad escape", "[{\"id\":\"g\\x41\",\"profile\":{\"name\":\"A\"}}]"],
    ["a short unicode escape", "[{\"id\":\"g\\u41\",\"profile\":{\"name\":\"A\"}}]"],
    ["an escape at the end", "[{\"id\":\"g\\"],
    ["a non-JSON space", "[\u00a0]"],
    ["a misspelled literal", "[{\"id\":\"g\",\"b\":tru,\"profile\":{\"name\":\"A\"}}]"],
    ["a missing colon", "[{\"id\" \"g\",\"profile\":{\"name\":\"A\"}}]"],
    ["nesting beyond the limit", `[{"id":"g","profile":{"name":"A"},"deep":${"[".repeat(63)}${"]".repeat(63)}}]`],
    ["nesting far beyond the limit", `[{"id":"g","profile":{"name":"A"},"deep":${"[".repeat(100_000)}`]
  ]
  for (const [name, text] of leftToJsonParse) {
    it(`leaves ${name} to JSON.parse and the checks`, () => {
      expect(agrees(text)).toBe("left to JSON.parse")
    })
  }

  it("reads invalid UTF-8 inside a string as the whole body's text reads it", () => {
    const page = (name: ReadonlyArray<number>) =>
      new Uint8Array([
        ...encoder.encode("[{\"id\":\"g\",\"profile\":{\"name\":\""),
        ...name,
        ...encoder.encode("\"}}]")
      ])
    for (const name of [[0xff], [0xe2, 0x82], [0xc3], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0x41, 0x80, 0x42]]) {
      expect(agrees(page(name))).toBe("read")
    }
  })

  it("leaves non-ASCII bytes outside strings to JSON.parse", () => {
    expect(agrees(new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode("[]")]))).toBe("left to JSON.parse")
    expect(agrees(new Uint8Array([...encoder.encode("["), 0xc2, 0xa0, ...encoder.encode("]")]))).toBe(
      "left to JSON.parse"
    )
  })

  it("agrees with JSON.parse and the checks on 3,000 damaged pages", () => {
    // A fixed seed: the same pages every run. Each is a valid page with a few characters deleted, repeated or
    // replaced by a JSON-significant one.
    let seed = 20261202
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const pieces = [
      "\"",
      "\\",
      ",",
      ":",
      "[",
      "]",
      "{",
      "}",
      " ",
      "0",
      "-",
      "e",
      "n",
      "u",
      ",]",
      ",}",
      "\"id\"",
      "\"profile\"",
      "null"
    ]
    const sources = [oktaPage, JSON.stringify(groups(0, 3)), read[1][1], read[2][1], read[10][1], read[11][1]]
    const outcomes = { read: 0, "left to JSON.parse": 0 }
    for (let n = 0; n < 3000; n++) {
      let text = sources[n % sources.length]
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length + 1)
        const kind = random(3)
        text = kind === 0
          ? text.slice(0, at) + text.slice(at + 1)
          : kind === 1
          ? text.slice(0, at) + text.slice(at, at + 1 + random(8)) + text.slice(at)
          : text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at + 1)
      }
      outcomes[agrees(text)]++
    }
    // Both ways were exercised: the comparison is not vacuous.
    expect(outcomes.read).toBeGreaterThan(100)
    expect(outcomes["left to JSON.parse"]).toBeGreaterThan(100)
  })

  it("builds groups that do not keep the page's text alive: memory grows by the groups, not the pages", () => {
    setFlagsFromString("--expose-gc")
    const gc = runInNewContext("gc") as () => void
    // Pages of 500 groups with 4 KB each of fields nobody reads: 2.1 MB of text for about 130 KB of groups.
    const retainedBy = (pages: number) => {
      const kept: Array<ReadonlyArray<OktaResources.OktaGroup> | undefined> = []
      gc()
      const before = process.memoryUsage().heapUsed
      for (let page = 0; page < pages; page++) kept.push(GroupPage.fromBytes(encoder.encode(paddedPage(500, 4000))))
      gc()
      expect(kept.every((groups) => groups?.length === 500)).toBe(true)
      return process.memoryUsage().heapUsed - before
    }
    const perPage = (retainedBy(10) - retainedBy(2)) / 8
    // Views into the text (a plain `slice` of an id) would keep each page whole: 2.1 MB a page.
    expect(perPage).toBeLessThan(500_000)
  })
})

describe("Response.decode of a page of groups without raw", () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const request = HttpClientRequest.get("https://acme.okta.com/api/v1/users/00u1/groups")
  const answer = (page: string) =>
    new Response.Answer(request, 200, Headers.empty, new Response.Body(encoder.encode(page)))
  const decode = (page: string) => Response.decode("GET /api/v1/users/00u1/groups", decoder, answer(page), (t) => t)

  it.effect("reads a valid page from its bytes: its text is never decoded, JSON.parse never sees it", () =>
    Effect.gen(function*() {
      const parse = vi.spyOn(JSON, "parse")
      const decodeText = vi.spyOn(TextDecoder.prototype, "decode")
      const page = answer(JSON.stringify(groups(0, 200)))
      const read = yield* Response.decode("GET /api/v1/users/00u1/groups", decoder, page, (t) => t)
      expect(read).toStrictEqual(
        groups(0, 200).map((group) => ({ ...group, profile: { ...group.profile, description: null }, raw: null }))
      )
      // The deterministic guard of a big account's heap: per page, no text (about 50 KB for 200 groups) and no
      // parsed JSON (about 110 KB), only the groups kept.
      expect(parse).not.toHaveBeenCalled()
      expect(decodeText).not.toHaveBeenCalled()
    }))

  it.effect("a page that is not JSON is the same error as ever", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decode("[{\"id\":\"00g1\",\"profile\":{\"name\":\"A\"}},]"))
      expect(error._tag).toBe("OktaInvalidResponse")
      expect(error.message).toContain("the body is not JSON (HTTP 200)")
    }))

  it.effect("a page nested too deep is the same error as ever", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        decode(`[{"id":"g","profile":{"name":"A"},"deep":${"[".repeat(70)}${"]".repeat(70)}}]`)
      )
      expect(error._tag).toBe("OktaInvalidResponse")
      expect(error.message).toContain(`the body nests deeper than ${Response.maxDepth} levels (HTTP 200)`)
    }))

  it.effect("a group of the wrong shape is the Schema's error, naming the field", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        decode(
          "[{\"id\":\"00g1\",\"profile\":{\"name\":\"A\"}},{\"id\":\"00g2\",\"type\":null,\"profile\":{\"name\":\"B\"}}]"
        )
      )
      expect(error._tag).toBe("OktaInvalidResponse")
      expect(error.message).toContain("[1].type")
    }))
})

describe("Response.readBodyBytes", () => {
  const request = HttpClientRequest.get("https://acme.okta.com/api/v1/users/00u1")
  const read = (body: ConstructorParameters<typeof globalThis.Response>[0], headers: Record<string, string> = {}) =>
    Response.readBodyBytes(
      "GET /api/v1/users/00u1",
      HttpClientResponse.fromWeb(request, new globalThis.Response(body, { headers })),
      1000
    )

  it.effect("keeps the bytes as sent; the text drops a leading BOM and replaces invalid UTF-8, as fetch does", () =>
    Effect.gen(function*() {
      const sent = new Uint8Array([0xef, 0xbb, 0xbf, 0x5b, 0xff, 0x5d])
      const body = yield* read(sent)
      expect(body.bytes).toStrictEqual(sent)
      expect(body.text).toBe(yield* Effect.promise(() => new globalThis.Response(sent).text()))
      expect(body.text).toBe("[\ufffd]")
    }))

  it.effect("an empty body is empty bytes and text", () =>
    Effect.gen(function*() {
      const body = yield* read(null)
      expect(body.bytes.byteLength).toBe(0)
      expect(body.text).toBe("")
    }))

  it.effect("a body past the cap, declared or streamed, is an OktaInvalidResponse", () =>
    Effect.gen(function*() {
      const declared = yield* Effect.flip(read("x".repeat(2000), { "content-length": "2000" }))
      expect(declared.message).toContain("response body larger than 1000 bytes (maxResponseBytes): Content-Length 2000")
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(400))
          controller.close()
        }
      })
      const streamed = yield* Effect.flip(read(stream))
      expect(streamed.message).toContain("response body larger than 1000 bytes (maxResponseBytes): at least 1200 bytes")
    }))

  it.effect("a streamed body in several chunks is read whole", () =>
    Effect.gen(function*() {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("[1,"))
          controller.enqueue(encoder.encode("2]"))
          controller.close()
        }
      })
      expect((yield* read(stream)).text).toBe("[1,2]")
    }))
})
