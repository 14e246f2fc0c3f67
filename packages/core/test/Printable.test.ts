import { describe, expect, it } from "@effect/vitest"
import * as Printable from "@enrich/core/Printable"

describe("Printable", () => {
  describe("escape", () => {
    it.each([
      ["NUL", "a\u0000b", "a\\u0000b"],
      ["newline, tab, carriage return", "a\nb\tc\rd", "a\\nb\\tc\\rd"],
      ["an ANSI escape", "evil\u001b[2J", "evil\\u001b[2J"],
      ["DEL", "a\u007f", "a\\u007f"],
      ["the one-byte CSI (C1)", "a\u009b31m", "a\\u009b31m"],
      ["NEL (C1)", "a\u0085b", "a\\u0085b"],
      ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
      ["right-to-left override", "admin\u202egnp.exe", "admin\\u202egnp.exe"],
      ["every embedding and override", "\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"],
      ["every isolate", "\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
      ["direction marks LRM, RLM, ALM", "a\u200eb\u200fc\u061cd", "a\\u200eb\\u200fc\\u061cd"],
      ["a lone surrogate", "a\ud800b", "a\\ud800b"]
    ])("escapes %s", (_, text, expected) => {
      expect(Printable.escape(text)).toBe(expected)
    })

    it.each([
      ["accents and CJK", "Zoë 日本"],
      ["emoji, joiners included", "👩‍💻 ok"],
      ["quotes and backslashes (not quotable)", "DOMAIN\\jsmith \"x\""],
      ["Arabic and Hebrew text", "مرحبا שלום"]
    ])("keeps %s as they are", (_, text) => {
      expect(Printable.escape(text)).toBe(text)
    })

    it("escapes quotes and backslashes when quotable", () => {
      expect(Printable.escape("a\"b\\c", { quotable: true })).toBe("a\\\"b\\\\c")
    })

    it("cuts to maxLength characters, the last one an ellipsis, never inside an escape", () => {
      expect(Printable.escape("abcdef", { maxLength: 6 })).toBe("abcdef")
      expect(Printable.escape("abcdefg", { maxLength: 6 })).toBe("abcde…")
      expect(Printable.escape("abcd\u001bxyz", { maxLength: 8 })).toBe("abcd…")
      // never half of an emoji either
      expect(Printable.escape("abc👩‍💻", { maxLength: 5 })).toBe("abc…")
    })

    it("costs the same on a 2 MB text as on a short one: only the head is read", () => {
      const huge = "k".repeat(2_000_000)
      expect(Printable.escape(huge, { maxLength: 10 })).toBe(`${"k".repeat(9)}…`)
    })
  })

  describe("quote", () => {
    it("quotes and escapes", () => {
      expect(Printable.quote("jsmith\u001b[2J \"x\"")).toBe("\"jsmith\\u001b[2J \\\"x\\\"\"")
    })

    it("when cut, says how long the text really was", () => {
      const huge = "k".repeat(2 * 1024 * 1024)
      const quoted = Printable.quote(huge)
      expect(quoted).toBe(`"${"k".repeat(79)}…" (2097152 characters)`)
    })

    it("honours maxLength", () => {
      expect(Printable.quote("abcdefghij", { maxLength: 5 })).toBe("\"abcd…\" (10 characters)")
      expect(Printable.quote("abcde", { maxLength: 5 })).toBe("\"abcde\"")
    })
  })
})
