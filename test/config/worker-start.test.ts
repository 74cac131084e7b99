import { createExecutionContext } from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWorker } from "../../src/worker.ts";

const VARS = {
  OIDC_ISSUER: "https://issuer.test",
  OIDC_CLIENT_ID: "site",
  ORIGIN_URL: "https://origin.test",
  AUTH_ROUTES: [{ pattern: "/", access: "public" }],
};

function workerWithLogs() {
  const logs: Record<string, unknown>[] = [];
  const worker = createWorker({
    log: (line) => logs.push({ ...line }),
    fetch: async () => new Response("origin"),
  });
  return { worker, logs };
}

describe("the worker at start", () => {
  it("refuses to serve without the AUTH_KV binding: a generic 500, and the problem logged with its path", async () => {
    const { worker, logs } = workerWithLogs();
    // The type says the binding is there; a deployment without [[kv_namespaces]] gives an env without it.
    const envWithoutKv = VARS as unknown as Parameters<typeof worker.fetch>[1];
    const res = await worker.fetch(new Request("https://site.test/"), envWithoutKv, createExecutionContext());
    expect(res.status).toBe(500);
    expect(logs[0]).toEqual({
      event: "misconfigured",
      problems: [
        'AUTH_KV: is not bound: edge-auth keeps sessions, sign-in attempts, revocations and its key cache there; create one (`npx wrangler kv namespace create AUTH_KV`) and add [[kv_namespaces]] binding = "AUTH_KV" with its id to wrangler.toml',
      ],
    });
  });

  it("logs a var that looks like its own but is not read, once, and serves", async () => {
    const { worker, logs } = workerWithLogs();
    const env = { ...VARS, AUTH_KV: workerEnv.AUTH_KV, OIDC_SCOPE: "openid" };
    for (let i = 0; i < 2; i++) {
      const res = await worker.fetch(new Request("https://site.test/"), env, createExecutionContext());
      expect(res.status).toBe(200);
    }
    expect(logs.filter((line) => line.event === "config_warnings")).toEqual([
      {
        event: "config_warnings",
        warnings: ["OIDC_SCOPE: is not an edge-auth setting and is ignored; did you mean OIDC_SCOPES?"],
      },
    ]);
  });
});
