import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "okta",
    include: ["test/**/*.test.ts"]
  }
})
