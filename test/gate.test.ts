import { describe, expect, it } from "vitest";
import { makeSigningKey, signToken, validClaims } from "./support/fake-issuer.ts";
import { createHarness } from "./support/harness.ts";

describe("the gate in front of the origin", () => {
  it("forwards a request with a valid bearer ID token and injects the identity headers", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/reports?year=2026", h.bearer(token));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("from origin");
    const call = h.originCalls[0]!;
    expect(call.url).toBe("https://origin.test/reports?year=2026");
    expect(call.headers.get("x-auth-sub")).toBe("user-123");
    expect(call.headers.get("x-auth-email")).toBe("ada@example.com");
    expect(call.headers.get("x-auth-name")).toBe("Ada Lovelace");
    expect(call.headers.get("x-auth-groups")).toBe("staff");
    expect(call.headers.get("x-auth-issuer")).toBe("https://issuer.test");
    expect(call.headers.get("authorization")).toBeNull();
  });

  it("answers 401 with a bare challenge when no credential is sent (RFC 6750 §3)", async () => {
    const h = await createHarness();
    const res = await h.fetch("/private");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(h.originCalls).toHaveLength(0);
  });

  it("answers 401 invalid_token for a token that fails verification, and logs the reason", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { aud: "someone-else" }));
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(h.originCalls).toHaveLength(0);
    const decision = h.logs.find((line) => line.event === "decision");
    expect(decision).toMatchObject({
      outcome: "refused",
      status: 401,
      reason: "claim_mismatch:aud",
      kid: "rsa-1",
    });
    expect(JSON.stringify(h.logs)).not.toContain(token);
  });

  it("answers 400 invalid_request for a Bearer header that breaks the RFC 6750 grammar", async () => {
    const h = await createHarness();
    const res = await h.fetch("/private", { headers: { authorization: "Bearer a b" } });
    expect(res.status).toBe(400);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_request"');
    expect(h.originCalls).toHaveLength(0);
  });

  it("treats a path no rule matches as needing an identity", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }] } });
    expect((await h.fetch("/elsewhere")).status).toBe(401);
    expect((await h.fetch("/public/page")).status).toBe(200);
  });

  it("forwards public routes without an identity and without any identity header", async () => {
    const h = await createHarness();
    const res = await h.fetch("/public/index.html", {
      headers: { "X-Auth-Sub": "admin", x_auth_groups: "admins" },
    });
    expect(res.status).toBe(200);
    const call = h.originCalls[0]!;
    expect([...call.headers.keys()].filter((name) => name.replace(/_/g, "-").startsWith("x-auth-"))).toEqual(
      [],
    );
  });

  it("removes spoofed identity headers in every spelling before injecting the verified ones", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const spoofed = {
      "X-Auth-Sub": "root",
      "x-auth-email": "root@evil.test",
      "X-AUTH-GROUPS": "admins",
      x_auth_name: "Root",
      "X_Auth-Issuer": "https://evil.test",
      "x-auth-extra": "anything",
      "X-Auth_Role": "admin",
    };
    await h.fetch("/private", h.bearer(token, spoofed));
    const headers = h.originCalls[0]!.headers;
    const identityHeaders = [...headers.entries()].filter(([name]) =>
      name.replace(/_/g, "-").startsWith("x-auth-"),
    );
    expect(Object.fromEntries(identityHeaders)).toEqual({
      "x-auth-sub": "user-123",
      "x-auth-email": "ada@example.com",
      "x-auth-name": "Ada Lovelace",
      "x-auth-groups": "staff",
      "x-auth-issuer": "https://issuer.test",
    });
  });

  it("forwards a claim containing CR/LF and non-ASCII as a safe, decodable header value", async () => {
    const h = await createHarness();
    const name = "Eve\r\nX-Auth-Groups: admins\u0000 Ünïcødé";
    const token = await signToken(
      h.issuer.keys[0]!,
      validClaims(h.nowSeconds(), { name, groups: ["a,b", "c"] }),
    );
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.status).toBe(200);
    const headers = h.originCalls[0]!.headers;
    expect(headers.get("x-auth-name")).toBe("Eve%0D%0AX-Auth-Groups: admins%00 %C3%9Cn%C3%AFc%C3%B8d%C3%A9");
    expect(decodeURIComponent(headers.get("x-auth-name")!)).toBe(name);
    expect(headers.get("x-auth-groups")).toBe("a%2Cb,c");
  });

  it("passes method, path, query and body through unchanged and returns the origin's redirect unfollowed", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/api/items/%7Bid%7D?q=a%20b&q=c", {
      method: "PUT",
      body: "payload-bytes",
      ...h.bearer(token),
    });
    expect(res.status).toBe(200);
    const call = h.originCalls[0]!;
    expect(call.method).toBe("PUT");
    expect(call.url).toBe("https://origin.test/api/items/%7Bid%7D?q=a%20b&q=c");
    expect(call.body).toBe("payload-bytes");
  });

  it("answers 403 to a verified identity the route does not admit", async () => {
    const h = await createHarness({
      vars: { AUTH_ROUTES: [{ pattern: "/admin/*", allow: { groups: ["admins"] } }, { pattern: "*" }] },
    });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/admin/panel", h.bearer(token));
    expect(res.status).toBe(403);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(h.originCalls).toHaveLength(0);
    expect(h.logs.find((l) => l.event === "decision")).toMatchObject({ reason: "forbidden_by_policy" });
  });

  it("matches rules on the normalised path so encoded spellings cannot dodge a rule", async () => {
    const h = await createHarness({
      vars: {
        AUTH_ROUTES: [
          { pattern: "/admin/*", allow: { groups: ["admins"] } },
          { pattern: "*", access: "public" },
        ],
      },
    });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    for (const path of [
      "/%61dmin/x",
      "//admin/x",
      "/public/../admin/x",
      "/public/%2e%2e/admin/x",
      "/admin",
    ]) {
      expect((await h.fetch(path, h.bearer(token))).status, path).toBe(403);
    }
  });

  it("answers 503 with Retry-After, never 401, when the provider's keys cannot be fetched", async () => {
    const h = await createHarness();
    h.issuer.jwksResponder = () => new Response("down", { status: 502 });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(h.logs.find((l) => l.event === "decision")).toMatchObject({ reason: "jwks_unavailable" });
  });

  it("forwards the verified token only when FORWARD_TOKEN_HEADER is set", async () => {
    const h = await createHarness({ vars: { FORWARD_TOKEN_HEADER: "X-Auth-Token" } });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/private", h.bearer(token, { "x-auth-token": "forged" }));
    expect(h.originCalls[0]!.headers.get("x-auth-token")).toBe(token);
  });

  it("uses configured identity header names and strips them when the client sends them", async () => {
    const h = await createHarness({ vars: { IDENTITY_HEADERS: { sub: "Remote-User" } } });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/private", h.bearer(token, { "remote-user": "root" }));
    expect(h.originCalls[0]!.headers.get("remote-user")).toBe("user-123");
    await h.fetch("/public/x", { headers: { remote_user: "root" } });
    expect(h.originCalls[1]!.headers.get("remote_user")).toBeNull();
  });

  it("verifies ES256 and EdDSA tokens from the same key set", async () => {
    const es = await makeSigningKey("ES256", "ec-1");
    const ed = await makeSigningKey("EdDSA", "ed-1");
    const h = await createHarness();
    h.issuer.keys.push(es, ed);
    for (const key of [es, ed]) {
      const res = await h.fetch("/private", h.bearer(await signToken(key, validClaims(h.nowSeconds()))));
      expect(res.status, key.alg).toBe(200);
    }
  });

  it("answers every request with a generic 500 while the configuration is broken, and logs each problem", async () => {
    const h = await createHarness({
      vars: { OIDC_ISSUER: "http://issuer.example", AUTH_ROUTES: [{ pattern: "admin/*" }] },
    });
    const res = await h.fetch("/public/x");
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("misconfigured");
    expect(h.originCalls).toHaveLength(0);
    const problems = h.logs.find((l) => l.event === "misconfigured")?.problems as string[];
    expect(problems).toEqual([
      expect.stringMatching(/^OIDC_ISSUER: must use https:\/\//),
      'AUTH_ROUTES[0].pattern: must start with "/" or be "*" (got "admin/*")',
    ]);
  });
});

describe("what the origin answers to an identified request", () => {
  it("is never left cacheable by a shared cache", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.headers.get("cache-control")).toBe("private");
    expect(res.headers.get("x-origin")).toBe("yes");
  });
});

describe("an origin that cannot be reached", () => {
  it("gets a 502 of edge-auth's own with reason origin_unreachable, never a 500", async () => {
    const h = await createHarness();
    h.origin.respond = () => {
      throw new TypeError("connection refused");
    };
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    for (const [path, init] of [
      ["/private", h.bearer(token)],
      ["/public/x", {}],
    ] as const) {
      const res = await h.fetch(path, init);
      expect(res.status, path).toBe(502);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(h.events("decision").at(-1)).toMatchObject({
        outcome: "error",
        reason: "origin_unreachable",
        status: 502,
      });
    }
  });
});
