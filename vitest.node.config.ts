import { defineConfig } from "vitest/config";

/** Tests that run in Node rather than workerd: the dev OpenID Provider and its tools, and the worker
 * under Miniflare against a real OpenID Provider. */
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts"],
    environment: "node",
  },
});
