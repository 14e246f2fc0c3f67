import { describe, expect, it } from "@effect/vitest"
import * as Verdict from "@enrich/core/Verdict"
import { Array as Arr, Either, Schema } from "effect"

describe("Verdict", () => {
  it("orders Pending < Benign < Suspicious < Malicious", () => {
    expect(Arr.sort(["Malicious", "Pending", "Suspicious", "Benign"] as const, Verdict.order)).toEqual([
      "Pending",
      "Benign",
      "Suspicious",
      "Malicious"
    ])
    expect(Verdict.values.map(Verdict.rank)).toEqual([0, 1, 2, 3])
  })

  it.each(
    [
      [[], "Pending"],
      [["Benign"], "Benign"],
      [["Benign", "Pending"], "Benign"],
      [["Pending", "Suspicious", "Benign"], "Suspicious"],
      [["Malicious", "Suspicious", "Benign", "Pending"], "Malicious"],
      [["Suspicious", "Malicious"], "Malicious"]
    ] as const
  )("worst(%j) is %s", (verdicts, expected) => {
    expect(Verdict.worst(verdicts)).toBe(expected)
  })

  it("takes worst over any iterable", () => {
    expect(Verdict.worst(new Set<Verdict.Verdict>(["Benign", "Suspicious"]))).toBe("Suspicious")
  })

  it("recognizes and decodes only the four names", () => {
    expect(Verdict.is("Suspicious")).toBe(true)
    expect(Verdict.is("suspicious")).toBe(false)
    expect(Verdict.is(2)).toBe(false)
    expect(Schema.decodeUnknownSync(Verdict.Verdict)("Malicious")).toBe("Malicious")
    expect(Either.isLeft(Schema.decodeUnknownEither(Verdict.Verdict)("Evil"))).toBe(true)
  })
})
