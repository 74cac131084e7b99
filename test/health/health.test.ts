import { describe, expect, it } from "vitest";
import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { configFingerprint } from "../../src/health/config-fingerprint.ts";
import { makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, HEALTH_DETAIL, TEST_HEALTH_TOKEN } from "../support/harness.ts";

const HEALTH_NOW = "2026-11-22T12:00:00.000Z";

describe("GET /auth/health in detail (HEALTH_TOKEN as a bearer token)", () => {
  it("describes each issuer's keys, the last fetch, revocations and the configuration's fingerprint", async () => {
    const h = await createHarness();
    h.issuer.keys.push(await makeSigningKey("ES256", "ec-1"));
    const res = await h.fetch("/auth/health", HEALTH_DETAIL);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      status: "ok",
      time: HEALTH_NOW,
      config: {
        fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
        issuer: "https://issuer.test",
        clientId: "client-1",
        routeRules: 2,
      },
      issuers: [
        {
          name: "login",
          issuer: "https://issuer.test",
          usable: true,
          keys: {
            tier: "memory",
            source: "provider",
            ageSeconds: 0,
            maxAgeSeconds: 600,
            kidCount: 2,
            kids: ["rsa-1", "ec-1"],
            fetchedAt: HEALTH_NOW,
          },
          lastFetch: { document: "jwks", outcome: "ok", status: 200, at: HEALTH_NOW },
        },
      ],
      revocations: {
        loaded: true,
        entries: 0,
        ageSeconds: 0,
        lastLoad: { outcome: "ok", at: HEALTH_NOW },
        fence: { version: 0, events: 0, lastCheck: { outcome: "ok", at: HEALTH_NOW } },
      },
      kv: { usable: true },
    });
    expect(h.originCalls).toHaveLength(0);
  });

  it("refuses other methods with 405 like edge-auth's other endpoints, never reaching the origin", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*", access: "public" }] } });
    const res = await h.fetch("/auth/health", { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(h.originCalls).toHaveLength(0);
  });

  it("is answered by edge-auth itself whatever the route rules say", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*" }] } });
    expect((await h.fetch("/auth/health", HEALTH_DETAIL)).status).toBe(200);
    expect(h.originCalls).toHaveLength(0);
    expect(h.logs.filter((line) => line.event === "decision")).toEqual([]);
  });

  it("ages the key set with the clock and counts no fetch while the keys are fresh", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/private", h.bearer(token));
    h.clock.nowMs += 125_000;
    const body = (await (await h.fetch("/auth/health", HEALTH_DETAIL)).json()) as {
      issuers: { keys: { ageSeconds: number } }[];
    };
    expect(body.issuers[0]!.keys.ageSeconds).toBe(125);
    expect(h.issuer.jwksFetchCount()).toBe(1);
  });

  it("answers 503 with Retry-After when no usable keys remain, naming the failed fetch", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => new Response("down", { status: 503 });
    const res = await h.fetch("/auth/health", HEALTH_DETAIL);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    const body = (await res.json()) as { status: string; issuers: unknown[] };
    expect(body.status).toBe("unavailable");
    expect(body.issuers[0]).toEqual({
      name: "login",
      issuer: "https://issuer.test",
      usable: false,
      keys: null,
      lastFetch: { document: "jwks", outcome: "http_status", status: 503, at: HEALTH_NOW },
    });
  });

  it("turns unavailable when the cached keys expire and the provider stays down", async () => {
    const h = await createHarness();
    expect((await h.fetch("/auth/health", HEALTH_DETAIL)).status).toBe(200);
    h.issuer.jwksResponder = () => new Response("down", { status: 500 });
    h.clock.nowMs += 7 * 3600_000; // past max-age and any max-stale
    const res = await h.fetch("/auth/health", HEALTH_DETAIL);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      issuers: { keys: { tier: string }; lastFetch: { outcome: string } }[];
    };
    expect(body.issuers[0]!.keys.tier).toBe("expired");
    expect(body.issuers[0]!.lastFetch.outcome).toBe("http_status");
  });

  it("never shows a secret: secret-named settings are left out of the fingerprint and the document", async () => {
    const secret = "s3cr3t-value-that-must-never-show-0123456789";
    const other = "another-secret-value-just-as-long-9876543210";
    const plain = await createHarness({ vars: { SESSION_SECRET: other, OIDC_CLIENT_SECRET: other } });
    const withSecrets = await createHarness({ vars: { SESSION_SECRET: secret, OIDC_CLIENT_SECRET: secret } });
    const a = await (await plain.fetch("/auth/health", HEALTH_DETAIL)).text();
    const b = await (await withSecrets.fetch("/auth/health", HEALTH_DETAIL)).text();
    expect(b).not.toContain(secret);
    expect(b).not.toContain(TEST_HEALTH_TOKEN);
    expect(JSON.parse(b).config.fingerprint).toBe(JSON.parse(a).config.fingerprint);
  });

  it("fingerprints secret-bearing configuration fields without their values", async () => {
    const loaded = loadConfig({
      OIDC_ISSUER: "https://issuer.test",
      OIDC_CLIENT_ID: "client-1",
      AUTH_ROUTES: [{ pattern: "*" }],
    });
    if (!loaded.ok) throw new Error("test configuration is invalid");
    const withSecret = (value: string) =>
      ({
        ...loaded.value,
        session: { secret: value, cookieName: "edge-auth" },
        login: { clientSecret: value },
      }) as unknown as GateConfig;
    const a = await configFingerprint(withSecret("first-secret"));
    const b = await configFingerprint(withSecret("second-secret"));
    expect(a).toBe(b);
    expect(a).not.toBe(await configFingerprint(loaded.value));
  });

  it("changes the fingerprint when the configuration in effect changes", async () => {
    const one = await createHarness();
    const two = await createHarness({ vars: { OIDC_CLIENT_ID: "client-2" } });
    const three = await createHarness({ vars: { CLOCK_LEEWAY_SECONDS: 60 } });
    const fingerprints = await Promise.all(
      [one, two, three].map(
        async (h) =>
          (
            (await (await h.fetch("/auth/health", HEALTH_DETAIL)).json()) as {
              config: { fingerprint: string };
            }
          ).config.fingerprint,
      ),
    );
    expect(new Set(fingerprints).size).toBe(3);
  });
});
