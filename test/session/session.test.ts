import { describe, expect, it } from "vitest";
import { digestBase64Url } from "../../src/crypto/secret-keys.ts";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const SESSION = "__Host-edge-auth";

async function signedIn(h: Harness, path = "/private"): Promise<Browser> {
  const browser = new Browser(h);
  const callback = await browser.signIn(path);
  expect(callback.status).toBe(303);
  return browser;
}

async function storedRecord(h: Harness, browser: Browser): Promise<Record<string, unknown> | null> {
  const id = browser.cookies.get(SESSION)!.value.split(".")[0]!;
  return h.kv.inner.get(`session:${await digestBase64Url(id)}`, "json");
}

const ASSET = { headers: { "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image", accept: "image/*" } };

describe("sessions", () => {
  it("forwards a signed-in browser with the same identity headers a bearer token gets", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    await browser.visit("/private");
    const fromSession = h.originCalls.at(-1)!.headers;
    await h.fetch("/private", h.bearer(await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()))));
    const fromBearer = h.originCalls.at(-1)!.headers;
    for (const name of ["x-auth-sub", "x-auth-email", "x-auth-name", "x-auth-groups", "x-auth-issuer"])
      expect(fromSession.get(name), name).toBe(fromBearer.get(name));
    expect(fromSession.get("x-auth-sub")).toBe("user-123");
    expect(h.logs.filter((l) => l.outcome === "forwarded").map((l) => l.credential)).toEqual([
      "session",
      "bearer",
    ]);
  });

  it("removes edge-auth's own cookies from the request to the origin and keeps the site's", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    await browser.startLogin("/auth/login"); // a pending attempt cookie too
    const cookie = `theme=dark; ${browser.cookieHeader()}; edge-auth=spoof; __host-edge-auth-login-x=1; cart=42`;
    const res = await browser.visit("/private", { headers: { ...NAVIGATION, cookie } });
    expect(res.status).toBe(200);
    expect(h.originCalls.at(-1)!.headers.get("cookie")).toBe("theme=dark; cart=42");
    await h.fetch("/public/x", { headers: { cookie } });
    expect(h.originCalls.at(-1)!.headers.get("cookie")).toBe("theme=dark; cart=42");
  });

  it("serves a page and its 50 assets with one KV read (isolate memory in front of KV)", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.clock.nowMs += 10_000; // past the memory time of the session the callback cached
    const readsBefore = h.kv.counts.get;
    expect((await browser.visit("/private")).status).toBe(200);
    const assets = await Promise.all(
      Array.from({ length: 50 }, (_, i) => browser.visit(`/assets/${i}.png`, ASSET)),
    );
    expect(assets.every((res) => res.status === 200)).toBe(true);
    expect(h.kv.counts.get - readsBefore).toBe(1);
    h.clock.nowMs += 6_000;
    await browser.visit("/assets/again.png", ASSET);
    expect(h.kv.counts.get - readsBefore).toBe(2);
  });

  it("refuses a forged or altered session cookie without reading KV, and makes the browser forget it", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const genuine = browser.cookies.get(SESSION)!;
    const [id, tag] = genuine.value.split(".");
    const readsBefore = h.kv.counts.get;
    for (const value of [
      `${id}.${tag!.replace(/^./, (c) => (c === "A" ? "B" : "A"))}`,
      `${id}`,
      "garbage",
      `${"A".repeat(43)}.${tag}`,
    ]) {
      const res = await h.fetch("/private", { headers: { ...NAVIGATION, cookie: `${SESSION}=${value}` } });
      expect(res.status, value).toBe(302);
      expect(res.headers.get("location")).toBe("/auth/login?return_to=%2Fprivate");
      expect(res.headers.getSetCookie()).toEqual([
        `${SESSION}=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
      ]);
    }
    expect(h.kv.counts.get).toBe(readsBefore);
    expect(h.logs.at(-1)).toMatchObject({ outcome: "refused", reason: "session_malformed" });
  });

  it("answers an API request with an ended session with 401, not a redirect", async () => {
    const h = await createHarness({ vars: { SESSION_IDLE_TTL_SECONDS: 300 } });
    const browser = await signedIn(h);
    h.clock.nowMs += 301_000;
    const res = await browser.visit("/api/data", {
      headers: { "sec-fetch-mode": "cors", accept: "application/json" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
  });

  it("ends a session after the idle timeout and deletes its record", async () => {
    const h = await createHarness({ vars: { SESSION_IDLE_TTL_SECONDS: 300 } });
    const browser = await signedIn(h);
    h.clock.nowMs += 200_000;
    expect((await browser.visit("/private")).status).toBe(200); // activity recorded
    h.clock.nowMs += 250_000; // 450 s after sign-in, 250 s after the last activity
    expect((await browser.visit("/private")).status).toBe(200);
    h.clock.nowMs += 301_000;
    const res = await browser.visit("/private");
    expect(res.status).toBe(302);
    expect(h.logs.at(-1)).toMatchObject({ reason: "session_idle" });
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  it("records activity in KV at most once a minute", async () => {
    const h = await createHarness({ vars: { SESSION_IDLE_TTL_SECONDS: 300 } });
    const browser = await signedIn(h);
    const writesBefore = h.kv.counts.put;
    for (let i = 0; i < 12; i++) {
      h.clock.nowMs += 10_000;
      await browser.visit("/private");
    }
    expect(h.kv.counts.put - writesBefore).toBe(2);
    expect((await storedRecord(h, browser))?.lastSeenAt).toBe(h.nowSeconds());
  });

  it("ends a session at its absolute lifetime however active it is", async () => {
    const h = await createHarness({
      vars: { SESSION_ABSOLUTE_TTL_SECONDS: 600, SESSION_IDLE_TTL_SECONDS: 300 },
    });
    h.provider.idTokenLifetimeSeconds = 3600;
    const browser = await signedIn(h);
    for (let t = 0; t < 3; t++) {
      h.clock.nowMs += 190_000;
      expect((await browser.visit("/private")).status).toBe(200);
    }
    h.clock.nowMs += 40_000; // 610 s after sign-in
    expect((await browser.visit("/private")).status).toBe(302);
    expect(h.logs.at(-1)).toMatchObject({ reason: "session_expired" });
  });

  it("sends the browser through login again when the identity expires and there is no refresh token", async () => {
    const h = await createHarness();
    h.provider.issueRefreshTokens = false;
    const browser = await signedIn(h);
    h.clock.nowMs += 601_000;
    const res = await browser.visit("/private");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/auth/login?return_to=%2Fprivate");
    expect(h.logs.at(-1)).toMatchObject({ reason: "session_identity_expired" });
    expect(h.provider.tokenRequests.map((r) => r.grantType)).toEqual(["authorization_code"]);
  });

  it("keeps the refresh token encrypted in KV, under a key derived from the session id", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const record = (await storedRecord(h, browser))!;
    expect(record.refreshToken).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(JSON.stringify(record)).not.toContain("refresh-");
    expect(JSON.stringify(record)).not.toContain(browser.cookies.get(SESSION)!.value.split(".")[0]);
    expect(record).toMatchObject({ claims: { sub: "user-123", email: "ada@example.com" } });
    expect((record.claims as Record<string, unknown>).nonce).toBeUndefined();
  });

  it("renews an expired identity silently with the refresh token, and takes the new claims", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.provider.idTokenOverrides = { name: "Ada King" };
    h.clock.nowMs += 601_000;
    const res = await browser.visit("/private");
    expect(res.status).toBe(200);
    expect(h.originCalls.at(-1)!.headers.get("x-auth-name")).toBe("Ada King");
    expect(h.provider.tokenRequests.map((r) => r.grantType)).toEqual(["authorization_code", "refresh_token"]);
    // The rotated refresh token works for the next renewal.
    h.clock.nowMs += 601_000;
    expect((await browser.visit("/private")).status).toBe(200);
    expect(h.provider.tokenRequests.map((r) => r.grantType)).toEqual([
      "authorization_code",
      "refresh_token",
      "refresh_token",
    ]);
    expect(h.logs.filter((l) => l.event === "session_refreshed")).toHaveLength(2);
  });

  it("extends the identity by the access token's lifetime when a refresh brings no ID token", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.provider.idTokenOnRefresh = false;
    h.clock.nowMs += 601_000;
    expect((await browser.visit("/private")).status).toBe(200);
    expect((await storedRecord(h, browser))?.identityExpiresAt).toBe(h.nowSeconds() + 300);
  });

  it("refuses a renewal whose new ID token names another subject (OIDC Core §12.2)", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.provider.idTokenOverrides = { sub: "someone-else" };
    h.clock.nowMs += 601_000;
    expect((await browser.visit("/private")).status).toBe(302);
    expect(h.events("decision").at(-1)).toMatchObject({ reason: "refresh_failed" });
  });

  it("ends the session and sends the browser to login when the provider refuses the refresh", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const copy = new Browser(h);
    copy.cookies.set(SESSION, browser.cookies.get(SESSION)!);
    h.provider.revokeRefreshTokens();
    h.clock.nowMs += 601_000;
    const res = await browser.visit("/private");
    expect(res.status).toBe(302);
    expect(h.events("decision").at(-1)).toMatchObject({ reason: "refresh_failed" });
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(await storedRecord(h, copy)).toBeNull();
  });

  it("keeps the session and answers 503 while the provider cannot be reached for a refresh", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.clock.nowMs += 601_000;
    h.provider.tokenResponder = () => new Response("down", { status: 503 });
    const res = await browser.visit("/private");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(browser.cookies.has(SESSION)).toBe(true);
    h.provider.tokenResponder = undefined;
    expect((await browser.visit("/private")).status).toBe(200);
  });

  it("refreshes once when several requests of an isolate find the identity expired together", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.clock.nowMs += 601_000;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    h.provider.tokenResponder = async () => {
      await held;
      return undefined;
    };
    const first = browser.visit("/page");
    // Let the first request reach the token endpoint before the assets arrive.
    while (h.provider.tokenRequests.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    const assets = await Promise.all(
      Array.from({ length: 5 }, (_, i) => browser.visit(`/a/${i}.css`, ASSET)),
    );
    expect(assets.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    release();
    expect((await first).status).toBe(200);
    expect(h.provider.tokenRequests.map((r) => r.grantType)).toEqual(["authorization_code", "refresh_token"]);
  });

  it("uses the session another isolate renewed when its own refresh token has been rotated away", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    h.clock.nowMs += 597_000;
    expect((await browser.visit("/private")).status).toBe(200); // this isolate now holds the record
    h.clock.nowMs += 4_000; // the identity has expired; this isolate's memory still has the old record
    const elsewhere = new Browser(h);
    elsewhere.cookies.set(SESSION, browser.cookies.get(SESSION)!);
    elsewhere.fetcher = h.otherIsolate();
    expect((await elsewhere.visit("/private")).status).toBe(200); // renews, rotating the refresh token
    const res = await browser.visit("/private");
    expect(res.status).toBe(200);
    expect(h.provider.tokenRequests.map((r) => r.grantType)).toEqual([
      "authorization_code",
      "refresh_token",
      "refresh_token",
    ]);
  });

  it("prefers an Authorization header over the session cookie", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { sub: "api-client" }));
    await browser.visit("/private", { headers: { authorization: `Bearer ${token}` } });
    expect(h.originCalls.at(-1)!.headers.get("x-auth-sub")).toBe("api-client");
  });
});
