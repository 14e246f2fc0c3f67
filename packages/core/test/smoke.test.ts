import { expect, it } from "@effect/vitest"
it("runs", () => expect(1).toBe(1))
