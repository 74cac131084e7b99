import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { CLIENT_ID } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";

describe("/auth/login", () => {
  it("redirects to the discovered authorization endpoint with code flow, PKCE S256, state and nonce (OIDC Core §3.1.2.1)", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/login?return_to=%2Freports", { headers: NAVIGATION });
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://issuer.test/authorize");
    const params = Object.fromEntries(location.searchParams);
    expect(params).toMatchObject({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: "https://site.test/auth/callback",
      scope: "openid email profile",
      code_challenge_method: "S256",
    });
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.nonce).not.toBe(params.state);
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("keeps the attempt in a sealed __Host- cookie of its own that lives 10 minutes", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/login", { headers: NAVIGATION });
    const state = new URL(res.headers.get("location")!).searchParams.get("state")!;
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(
      new RegExp(
        `^__Host-edge-auth-login-${state.slice(0, 16)}=v1\\.[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=600$`,
      ),
    );
    // Nothing of the attempt is readable in the cookie.
    const value = cookie!.split(";")[0]!.split("=")[1]!;
    const nonce = new URL(res.headers.get("location")!).searchParams.get("nonce")!;
    expect(atob(value.slice(3).replace(/-/g, "+").replace(/_/g, "/"))).not.toContain(nonce);
  });

  it("gives every attempt its own state, nonce, verifier and cookie, so parallel tabs do not collide", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const first = new URL(await browser.startLogin("/auth/login?return_to=%2Fa"));
    const second = new URL(await browser.startLogin("/auth/login?return_to=%2Fb"));
    expect(first.searchParams.get("state")).not.toBe(second.searchParams.get("state"));
    expect(first.searchParams.get("nonce")).not.toBe(second.searchParams.get("nonce"));
    expect(first.searchParams.get("code_challenge")).not.toBe(second.searchParams.get("code_challenge"));
    expect([...browser.cookies.keys()].filter((name) => name.includes("-login-"))).toHaveLength(2);
  });

  it("keeps at most five attempts per browser, dropping the oldest", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const states: string[] = [];
    for (let i = 0; i < 7; i++) {
      states.push(new URL(await browser.startLogin("/auth/login")).searchParams.get("state")!);
      h.clock.nowMs += 1000;
    }
    const kept = [...browser.cookies.keys()].filter((name) => name.includes("-login-"));
    expect(kept).toHaveLength(5);
    expect(kept.map((name) => name.slice(-16)).sort()).toEqual(
      states
        .slice(2)
        .map((s) => s.slice(0, 16))
        .sort(),
    );
  });

  it("sends the configured scopes and extra parameters (prompt, max_age, acr_values)", async () => {
    const h = await createHarness({
      vars: {
        OIDC_SCOPES: "openid email groups",
        OIDC_AUTH_PARAMS: { prompt: "login", max_age: 300, acr_values: "urn:mfa" },
      },
    });
    const res = await h.fetch("/auth/login", { headers: NAVIGATION });
    const params = new URL(res.headers.get("location")!).searchParams;
    expect(params.get("scope")).toBe("openid email groups");
    expect(params.get("prompt")).toBe("login");
    expect(params.get("max_age")).toBe("300");
    expect(params.get("acr_values")).toBe("urn:mfa");
  });

  it("uses plain-http cookies without the __Host- prefix only on loopback, for local development", async () => {
    const h = await createHarness();
    const res = await h.fetch("http://127.0.0.1:8787/auth/login", { headers: NAVIGATION });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location")!).searchParams.get("redirect_uri")).toBe(
      "http://127.0.0.1:8787/auth/callback",
    );
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^edge-auth-login-[A-Za-z0-9_-]{16}=/);
    expect(cookie).not.toContain("Secure");
  });

  it("moves a plain-http sign-in on any other host to https (308)", async () => {
    const h = await createHarness();
    const res = await h.fetch("http://site.test/auth/login?return_to=%2Fx", { headers: NAVIGATION });
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("https://site.test/auth/login?return_to=%2Fx");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("answers a 503 page, not a redirect, when the provider's discovery document cannot be had", async () => {
    const h = await createHarness();
    h.issuer.discoveryResponder = () => new Response("down", { status: 500 });
    const res = await h.fetch("/auth/login", { headers: NAVIGATION });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("answers 404 when sign-in is not enabled (no session secret, every route answers 401)", async () => {
    const h = await createHarness({
      vars: { SESSION_SECRET: undefined, AUTH_ROUTES: [{ pattern: "*", unauthenticated: "401" }] },
    });
    const res = await h.fetch("/auth/login", { headers: NAVIGATION });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Sign-in is not enabled");
  });

  it("refuses other methods with 405", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/login", { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
  });
});
