import { defineConfig } from "vitest/config"

// One project per package (each has its own vitest.config.ts); `npm test` runs them all.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples", "scripts"]
  }
})
