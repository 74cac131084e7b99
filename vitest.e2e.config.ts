import { defineConfig } from "vitest/config";

/** End-to-end tests: the local stack (dev provider + wrangler dev + demo site) driven by Debian's chromium. */
export default defineConfig({
  test: {
    include: ["test-e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
