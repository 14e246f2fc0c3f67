import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { PassThrough } from "node:stream"
import * as Progress from "../src/Progress.js"

describe("Progress.render", () => {
  it("shows done/total, percentage, rate, ETA and failures when the total is known", () => {
    const line = Progress.render({ done: 50, failed: 2, total: 200, elapsedMillis: 10_000 }, 10)
    expect(line).toBe("███░░░░░░░ 50/200 25% | 5.0/s | ETA 30s | 2 failed")
  })

  it("shows done, rate and failures without a total (stdin)", () => {
    expect(Progress.render({ done: 1200, failed: 0, total: undefined, elapsedMillis: 60_000 }))
      .toBe("1200 done | 20/s | 0 failed | 1m00s elapsed")
  })

  it("formats durations", () => {
    expect(Progress.formatDuration(42)).toBe("42s")
    expect(Progress.formatDuration(185)).toBe("3m05s")
    expect(Progress.formatDuration(3720)).toBe("1h02m")
  })
})

/** A stream that looks like a terminal (or not) and records what is drawn. */
const fakeStream = (isTTY: boolean) => {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number }
  stream.isTTY = isTTY
  stream.columns = 200
  let written = ""
  stream.on("data", (chunk) => written += String(chunk))
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => written }
}

describe("Progress.make", () => {
  it.scoped("draws done/total and failures on a terminal, and stops when its scope closes", () =>
    Effect.gen(function*() {
      const fake = fakeStream(true)
      yield* Effect.scoped(Effect.gen(function*() {
        const progress = yield* Progress.make({ total: 3, stream: fake.stream })
        progress.tick(false)
        progress.tick(true)
        progress.tick(false)
      }))
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      expect(fake.written()).toContain("3/3 100%")
      expect(fake.written()).toContain("1 failed")
    }))

  it.scoped("draws nothing when the stream is not a terminal", () =>
    Effect.gen(function*() {
      const fake = fakeStream(false)
      const progress = yield* Progress.make({ total: 10, stream: fake.stream })
      progress.tick(false)
      expect(progress).toBe(Progress.none)
      expect(fake.written()).toBe("")
    }))

  it.scoped("draws nothing for a single indicator", () =>
    Effect.gen(function*() {
      const fake = fakeStream(true)
      expect(yield* Progress.make({ total: 1, stream: fake.stream })).toBe(Progress.none)
    }))

  it.scoped("with an unknown total (stdin), appears with the second result", () =>
    Effect.gen(function*() {
      const fake = fakeStream(true)
      yield* Effect.scoped(Effect.gen(function*() {
        const progress = yield* Progress.make({ total: undefined, stream: fake.stream })
        progress.tick(false)
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        expect(fake.written()).not.toContain("done")
        progress.tick(false)
      }))
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      expect(fake.written()).toContain("2 done")
    }))
})
