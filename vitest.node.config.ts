import { defineConfig } from "vitest/config";

/** Tests that run in Node rather than workerd: the dev OpenID Provider and its tools, and the worker
 * under Miniflare against a real OpenID Provider. */
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts"],
    environment: "node",
    // Real servers and a real sign-in flow with a 2 s wait for a token to expire: the 5 s default is
    // too tight on a loaded 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
