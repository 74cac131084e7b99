import { defineConfig } from "vitest/config";

/** Tests that run in Node rather than workerd: the dev OpenID Provider and the tools around it. */
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts"],
    environment: "node",
  },
});
