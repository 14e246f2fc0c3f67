import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

export default defineProject({
  // Load @enrich/* from their sources (the "@enrich/source" export condition): no build step before the tests.
  ssr: { resolve: { conditions: ["@enrich/source", ...defaultServerConditions] } },
  test: {
    name: "cli",
    include: ["test/**/*.test.ts"],
    // The end-to-end tests spawn the real binary: build it once before them.
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 60_000
  }
})
