import { describe, expect, it } from "@effect/vitest"
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
