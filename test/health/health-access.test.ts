import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { HEALTH_PROBE_KEY, probeKv } from "../../src/health/kv-probe.ts";
import type { Runtime } from "../../src/platform.ts";
import { createHarness, HEALTH_DETAIL, TEST_HEALTH_TOKEN } from "../support/harness.ts";
import { failingKv, hangingKv } from "../support/kv.ts";

const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

describe("GET /auth/health for anyone", () => {
  it("answers the status alone: no issuer, client id, key id, route count or fingerprint", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: "ok" });
    for (const detail of ["issuer.test", "client-1", "rsa-1", "sha256:", "routeRules"])
      expect(text).not.toContain(detail);
  });

  it("answers 503 with Retry-After and the status alone when no usable keys remain", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => new Response("down", { status: 503 });
    const res = await h.fetch("/auth/health");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(await res.json()).toEqual({ status: "unavailable" });
  });

  it("answers the status alone without HEALTH_TOKEN configured, and to other schemes than Bearer", async () => {
    const h = await createHarness({ vars: { HEALTH_TOKEN: undefined } });
    expect(await (await h.fetch("/auth/health")).json()).toEqual({ status: "ok" });
    const basic = await h.fetch("/auth/health", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(await basic.json()).toEqual({ status: "ok" });
  });
});

describe("who may see the detailed health document", () => {
  it("shows it to HEALTH_TOKEN, naming this deployment's issuer (what a readiness check compares)", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/health", HEALTH_DETAIL);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; config: { issuer: string } };
    expect(body.status).toBe("ok");
    expect(body.config.issuer).toBe("https://issuer.test");
  });

  it("refuses a bearer token that is not HEALTH_TOKEN with 401 invalid_token, whatever its length", async () => {
    const h = await createHarness();
    for (const token of [
      "wrong",
      `${TEST_HEALTH_TOKEN}x`,
      TEST_HEALTH_TOKEN.slice(0, -1),
      TEST_HEALTH_TOKEN.toUpperCase(),
    ]) {
      const res = await h.fetch("/auth/health", bearer(token));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(await res.json()).toEqual({ error: "invalid_token" });
    }
  });

  it("refuses every bearer token when HEALTH_TOKEN is not configured", async () => {
    const h = await createHarness({ vars: { HEALTH_TOKEN: undefined } });
    expect((await h.fetch("/auth/health", HEALTH_DETAIL)).status).toBe(401);
  });

  it("refuses a malformed Authorization header with 400 invalid_request (RFC 6750 §2.1)", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/health", {
      headers: { authorization: `Bearer ${TEST_HEALTH_TOKEN} extra` },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_request"');
  });

  it("leaves HEALTH_TOKEN out of the configuration's fingerprint", async () => {
    const one = await createHarness();
    const other = "another-health-token-just-as-long-0123456789";
    const two = await createHarness({ vars: { HEALTH_TOKEN: other } });
    const fingerprint = async (h: typeof one, token: string) =>
      ((await (await h.fetch("/auth/health", bearer(token))).json()) as { config: { fingerprint: string } })
        .config.fingerprint;
    expect(await fingerprint(one, TEST_HEALTH_TOKEN)).toBe(await fingerprint(two, other));
  });

  it("requires HEALTH_TOKEN to be a bearer token of at least 32 bytes, naming the setting", () => {
    const problems = (token: string) => {
      const loaded = loadConfig({
        OIDC_ISSUER: "https://issuer.test",
        OIDC_CLIENT_ID: "client-1",
        AUTH_ROUTES: [{ pattern: "*" }],
        HEALTH_TOKEN: token,
      });
      return loaded.ok ? [] : loaded.failure.map((problem) => problem.path);
    };
    expect(problems("short")).toEqual(["HEALTH_TOKEN"]);
    expect(problems(`${"a".repeat(40)} with spaces`)).toEqual(["HEALTH_TOKEN"]);
    expect(problems("a".repeat(31))).toEqual(["HEALTH_TOKEN"]);
    expect(problems(`${"A".repeat(30)}+/9=`)).toEqual([]);
  });
});

describe("KV in the health status", () => {
  it("reports degraded (200) when KV fails, with the problem in the detailed view only", async () => {
    const h = await createHarness({ kv: failingKv() });
    const anonymous = await h.fetch("/auth/health");
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: "degraded" });
    const detail = (await (await h.fetch("/auth/health", HEALTH_DETAIL)).json()) as Record<string, unknown>;
    expect(detail.status).toBe("degraded");
    expect(detail.kv).toEqual({ usable: false, problem: "Error: KV is unavailable (test outage)" });
  });

  it("reports degraded when KV does not answer within the KV deadline", async () => {
    const h = await createHarness({ kv: hangingKv() });
    const detail = (await (await h.fetch("/auth/health", HEALTH_DETAIL)).json()) as Record<string, unknown>;
    expect(detail.status).toBe("degraded");
    expect(detail.kv).toEqual({ usable: false, problem: "timed out after 1000 ms" });
  });

  it("reads one key and writes nothing", async () => {
    const h = await createHarness();
    const before = h.kv.counts.put;
    await h.fetch("/auth/health");
    expect(h.kvReads).toContain(HEALTH_PROBE_KEY);
    expect(h.kv.counts.put).toBe(before);
  });

  it("calls a namespace that is not bound unusable rather than throwing", async () => {
    const rt = { kv: undefined } as unknown as Runtime;
    expect(await probeKv(rt, 1000)).toEqual({ usable: false, problem: "AUTH_KV is not bound" });
  });
});
