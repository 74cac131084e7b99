import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "./support/browser.ts";
import { signToken, validClaims } from "./support/fake-issuer.ts";
import { createHarness } from "./support/harness.ts";

const FETCH = { "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin", accept: "application/json" };

describe("the gate for unauthenticated browsers", () => {
  it("redirects a top-level navigation (Sec-Fetch-Mode: navigate) to login with the path as return_to", async () => {
    const h = await createHarness();
    const res = await h.fetch("/docs/guide?page=2", { headers: NAVIGATION });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/auth/login?return_to=%2Fdocs%2Fguide%3Fpage%3D2");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(h.logs.at(-1)).toMatchObject({ outcome: "refused", status: 302, reason: "no_credential" });
  });

  it("redirects a browser without Fetch Metadata whose Accept prefers text/html", async () => {
    const h = await createHarness();
    const res = await h.fetch("/docs", { headers: { accept: "text/html,*/*;q=0.8" } });
    expect(res.status).toBe(302);
  });

  it("answers 401 to fetch/XHR, API clients and anything with an Authorization header", async () => {
    const h = await createHarness();
    const variants: Record<string, string>[] = [
      FETCH,
      { accept: "application/json" },
      {},
      { ...NAVIGATION, authorization: "Basic dXNlcjpwYXNz" },
      { "sec-fetch-mode": "no-cors", accept: "image/*" },
    ];
    for (const headers of variants) {
      const res = await h.fetch("/docs", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth"');
    }
  });

  it("never redirects a CORS preflight, even on a route set to always log in", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*", unauthenticated: "login" }] } });
    const res = await h.fetch("/api/x", {
      method: "OPTIONS",
      headers: { origin: "https://app.test", "access-control-request-method": "POST", ...NAVIGATION },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
  });

  it('follows the per-route override: "401" never redirects, "login" always does', async () => {
    const h = await createHarness({
      vars: {
        AUTH_ROUTES: [
          { pattern: "/api/*", unauthenticated: "401" },
          { pattern: "/app/*", unauthenticated: "login" },
          { pattern: "*" },
        ],
      },
    });
    expect((await h.fetch("/api/items", { headers: NAVIGATION })).status).toBe(401);
    const xhr = await h.fetch("/app/data.json", { headers: FETCH });
    expect(xhr.status).toBe(302);
    expect(xhr.headers.get("location")).toBe("/auth/login?return_to=%2Fapp%2Fdata.json");
  });

  it("answers 401, not a redirect, to an invalid bearer token on a browser navigation", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { aud: "other" }));
    const res = await h.fetch("/docs", { headers: { ...NAVIGATION, authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });
});

describe("the gate for signed-in browsers", () => {
  const adminOnly = {
    AUTH_ROUTES: [{ pattern: "/admin/*", allow: { groups: ["admins"] } }, { pattern: "*" }],
  };

  it("shows a 403 page with the signed-in identity and a sign-out form when a route does not admit them", async () => {
    const h = await createHarness({ vars: adminOnly });
    const browser = new Browser(h);
    await browser.signIn("/home", { claims: { name: "Ada <Lovelace>" } });
    const res = await browser.visit("/admin/panel");
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const body = await res.text();
    expect(body).toContain("<strong>ada@example.com</strong> (Ada &#60;Lovelace&#62;)");
    expect(body).toContain('<form method="post" action="/auth/logout">');
    expect(h.originCalls.filter((c) => c.url.includes("/admin/"))).toEqual([]);
    expect(h.logs.at(-1)).toMatchObject({ reason: "forbidden_by_policy", status: 403 });
  });

  it("answers a signed-in fetch/XHR that a route does not admit with JSON 403", async () => {
    const h = await createHarness({ vars: adminOnly });
    const browser = new Browser(h);
    await browser.signIn("/home");
    const res = await browser.visit("/admin/data", { headers: FETCH });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "forbidden" });
  });

  it("applies claim rules to session users like to bearer tokens", async () => {
    const h = await createHarness({ vars: adminOnly });
    const browser = new Browser(h);
    await browser.signIn("/home", { claims: { groups: ["admins"] } });
    expect((await browser.visit("/admin/panel")).status).toBe(200);
    expect(h.originCalls.at(-1)!.headers.get("x-auth-groups")).toBe("admins");
  });

  it("forwards the session's ID token only when FORWARD_TOKEN_HEADER is set", async () => {
    const h = await createHarness({ vars: { FORWARD_TOKEN_HEADER: "X-Auth-Token" } });
    const browser = new Browser(h);
    await browser.signIn("/home");
    await browser.visit("/home", { headers: { ...NAVIGATION, "x-auth-token": "forged" } });
    expect(h.originCalls.at(-1)!.headers.get("x-auth-token")).toMatch(/^eyJ/);
  });
});
