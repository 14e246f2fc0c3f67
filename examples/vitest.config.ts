import { defaultServerConditions } from "vite"
import { defineProject } from "vitest/config"

export default defineProject({
  // Load @enrich/* from their sources (the "@enrich/source" export condition): no build step before the tests.
  ssr: { resolve: { conditions: ["@enrich/source", ...defaultServerConditions] } },
  test: {
    name: "examples",
    include: ["test/**/*.test.ts"]
  }
})
