import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "cli",
    include: ["test/**/*.test.ts"],
    // The end-to-end tests spawn the real binary: build it once before them.
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 60_000
  }
})
