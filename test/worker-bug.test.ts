import { createExecutionContext } from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWorker } from "../src/worker.ts";
import { CLIENT_ID, ISSUER } from "./support/fake-issuer.ts";

const ENV = {
  AUTH_KV: workerEnv.AUTH_KV,
  OIDC_ISSUER: ISSUER,
  OIDC_CLIENT_ID: CLIENT_ID,
  ORIGIN_URL: "https://origin.test",
  AUTH_ROUTES: [{ pattern: "*" }],
};

describe("a bug on the request path", () => {
  it("is answered with a generic 500 and recorded as an internal_error decision, on the gate and on edge-auth's own paths", async () => {
    const logs: Record<string, unknown>[] = [];
    const worker = createWorker({
      now: () => {
        throw new TypeError("clock broken");
      },
      log: (line) => logs.push({ ...line }),
      fetch: async () => new Response("origin"),
    });
    for (const path of ["/private", "/auth/whoami"]) {
      const res = await worker.fetch(new Request(`https://site.test${path}`), ENV, createExecutionContext());
      expect(res.status, path).toBe(500);
      expect(await res.text()).toBe("edge-auth failed to handle this request.\n");
      expect(logs.at(-1), path).toMatchObject({
        event: "decision",
        outcome: "error",
        reason: "internal_error",
        detail: "TypeError",
      });
    }
  });
});
