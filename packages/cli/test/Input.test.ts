import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Input from "../src/Input.js"

const lines = (chunks: ReadonlyArray<string>, maxLength?: number) =>
  Stream.runCollect(Stream.fromIterable(chunks).pipe(Input.splitLines(maxLength))).pipe(
    Effect.map(Chunk.toReadonlyArray)
  )

const entries = (chunks: ReadonlyArray<string>) =>
  Stream.runCollect(Input.fromText(Stream.fromIterable(chunks), "file")).pipe(Effect.map(Chunk.toReadonlyArray))

describe("Input.splitLines", () => {
  it.effect("splits on \\n and \\r\\n, across chunk boundaries, keeping a last line without newline", () =>
    Effect.gen(function*() {
      const result = yield* lines(["jsm", "ith\r\nal", "ice@example.com\n\nbob"])
      expect(result.map((line) => line.text)).toEqual(["jsmith", "alice@example.com", "", "bob"])
    }))

  it.effect("drops a leading byte-order mark", () =>
    Effect.gen(function*() {
      const result = yield* lines(["\uFEFFjsmith\n"])
      expect(result).toEqual([{ text: "jsmith", length: 6 }])
    }))

  it.effect("keeps at most maxLength characters of a line but reports its real length", () =>
    Effect.gen(function*() {
      const long = "x".repeat(5000)
      const result = yield* lines([long.slice(0, 1000), long.slice(1000), "\nok\n"], 100)
      expect(result[0].text.length).toBe(101)
      expect(result[0].length).toBe(5000)
      expect(result[1]).toEqual({ text: "ok", length: 2 })
    }))
})

describe("Input.fromText", () => {
  it.effect("skips blank lines and # comments, numbering entries by their line", () =>
    Effect.gen(function*() {
      const result = yield* entries(["# accounts from alert 42\n", "jsmith\n", "\n", "   \n", "  # indented comment\n"])
      expect(result).toHaveLength(1)
      expect(result[0]._tag).toBe("Valid")
      expect(result[0].origin).toEqual({ source: "file", position: 2 })
    }))

  it.effect("normalizes accounts: trimmed, email-shaped values lower-cased", () =>
    Effect.gen(function*() {
      const result = yield* entries(["  JSmith@Example.COM  \nJSmith\n"])
      expect(result.map((entry) => entry._tag === "Valid" ? entry.indicator.value : entry.reason)).toEqual([
        "jsmith@example.com",
        "JSmith"
      ])
    }))

  it.effect("turns a bad line into an Invalid entry in its place, and goes on", () =>
    Effect.gen(function*() {
      const result = yield* entries(["jsmith\n", "bad\u0007bell\n", `${"a".repeat(300)}\n`, "alice\n"])
      expect(result.map((entry) => entry._tag)).toEqual(["Valid", "Invalid", "Invalid", "Valid"])
      const [, control, tooLong] = result as ReadonlyArray<Input.Invalid>
      expect(control.origin.position).toBe(2)
      expect(control.reason).toContain("control characters")
      expect(control.message).toContain("line 2")
      // the value is escaped once, not twice
      expect(control.message).toBe(
        "line 2: invalid account indicator \"bad\\u0007bell\": the value contains control characters"
      )
      expect(tooLong.reason).toContain("300 characters")
    }))

  it.effect("reports a line too long to keep without holding it", () =>
    Effect.gen(function*() {
      const result = yield* entries([`${"a".repeat(1_000_000)}\n`, "ok\n"])
      const first = result[0] as Input.Invalid
      expect(first._tag).toBe("Invalid")
      expect(first.reason).toBe("the line is 1000000 characters long (at most 256)")
      expect(first.value.length).toBeLessThan(100)
      expect(result[1]._tag).toBe("Valid")
    }))

  it.effect("streams a large input lazily: taking 3 entries of a million reads only what it needs", () =>
    Effect.gen(function*() {
      let produced = 0
      const source = Stream.fromIterable({
        *[Symbol.iterator]() {
          for (let i = 0; i < 1_000_000; i++) {
            produced++
            yield `user${i}\n`
          }
        }
      })
      const result = yield* Stream.runCollect(Input.fromText(source, "stdin").pipe(Stream.take(3)))
      expect(Chunk.size(result)).toBe(3)
      expect(produced).toBeLessThan(10_000)
    }))
})

describe("Input.fromArguments", () => {
  it.effect("keeps arguments as given, `#` included, and rejects an empty one in its place", () =>
    Effect.gen(function*() {
      const result = yield* Stream.runCollect(Input.fromArguments(["#hash", "", "jsmith"])).pipe(
        Effect.map(Chunk.toReadonlyArray)
      )
      expect(result.map((entry) => entry._tag)).toEqual(["Valid", "Invalid", "Valid"])
      expect((result[1] as Input.Invalid).message).toContain("argument 2")
    }))
})
