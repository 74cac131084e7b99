import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type RevocationEntry, revocationKey } from "../../src/revocation/revocation-document.ts";
import { Browser } from "../support/browser.ts";
import { ISSUER, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const SESSION = "__Host-edge-auth";

/** Writes a revocation document and lets the isolate's cached copy grow old enough to be re-read. */
async function revokeNow(h: Harness, entry: Partial<RevocationEntry>): Promise<void> {
  const now = h.nowSeconds();
  const document = {
    version: 1,
    issuer: ISSUER,
    updatedAt: now,
    entries: [{ type: "sub", value: "user-123", createdAt: now, expiresAt: now + 3600, ...entry }],
  };
  await workerEnv.AUTH_KV.put(revocationKey(ISSUER), JSON.stringify(document));
  h.advanceSeconds(61); // past revocationMaxStaleSeconds: the next request waits for KV
}

async function signedIn(h: Harness): Promise<Browser> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private")).status).toBe(303);
  return browser;
}

describe("a revoked browser user", () => {
  it("gets an 'access revoked' page and loses the session cookie, never a redirect to sign in", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    await revokeNow(h, { type: "sub", value: "user-123" });
    const res = await browser.visit("/private");
    expect(res.status).toBe(403);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const body = await res.text();
    expect(body).toContain("Access revoked");
    // Signing in again is offered as a link only, never followed by itself.
    expect(body).toContain('href="/auth/login?return_to=%2Fprivate"');
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.originCalls.filter((call) => call.url.endsWith("/private"))).toHaveLength(0);
    expect(h.events("decision").at(-1)).toMatchObject({
      outcome: "refused",
      reason: "revoked",
      credential: "session",
      sub: "user-123",
      status: 403,
    });
  });

  it("cannot sign in again: the callback shows the 400 sign-in failed page and makes no session", async () => {
    const h = await createHarness();
    await signedIn(h);
    await revokeNow(h, { type: "sub", value: "user-123" });
    // The provider's SSO would sign the user straight back in: the callback must refuse it.
    const browser = new Browser(h);
    const res = await browser.signIn("/private");
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("Your access to this site has been revoked.");
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.logs.filter((line) => line.route === "/auth/callback").at(-1)).toMatchObject({
      outcome: "login_failed",
      reason: "revoked",
      status: 400,
    });
  });

  it("signs in again after an issuedBefore entry: only older credentials are revoked", async () => {
    const h = await createHarness();
    await revokeNow(h, { type: "sub", value: "user-123", issuedBefore: h.nowSeconds() });
    expect((await new Browser(h).signIn("/private")).status).toBe(303);
  });

  it("cannot sign in with an ID token signed by a revoked key", async () => {
    const h = await createHarness();
    await revokeNow(h, { type: "kid", value: "rsa-1" });
    const browser = new Browser(h);
    const res = await browser.signIn("/private");
    expect(res.status).toBe(400);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.logs.filter((line) => line.route === "/auth/callback").at(-1)).toMatchObject({
      reason: "revoked",
    });
  });

  it("cannot renew a session with an ID token signed by a key revoked since sign-in", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    await revokeNow(h, { type: "kid", value: "rsa-1" });
    h.advanceSeconds(600); // the session's identity expires: the next visit renews it
    const res = await browser.visit("/private");
    expect(res.status).toBe(302);
    expect(h.provider.tokenRequests.map((r) => r.grantType)).toEqual(["authorization_code", "refresh_token"]);
    expect(h.events("decision").at(-1)).toMatchObject({
      reason: "refresh_failed",
      detail: "new ID token refused: revoked",
    });
    expect(browser.cookies.has(SESSION)).toBe(false);
  });
});

describe("/auth/whoami and revocations", () => {
  it("refuses a revoked bearer token with 401 and records the decision", async () => {
    const h = await createHarness();
    await revokeNow(h, { type: "sub", value: "user-123" });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/auth/whoami", h.bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
    expect(h.events("decision").at(-1)).toMatchObject({
      route: "/auth/whoami",
      outcome: "refused",
      reason: "revoked",
      credential: "bearer",
      kid: "rsa-1",
      sub: "user-123",
      status: 401,
    });
  });

  it("refuses a revoked session and makes the browser forget its cookie", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    await revokeNow(h, { type: "sub", value: "user-123" });
    const res = await browser.visit("/auth/whoami", { headers: { accept: "application/json" } });
    expect(res.status).toBe(401);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.events("decision").at(-1)).toMatchObject({ route: "/auth/whoami", reason: "revoked" });
  });

  it("records an answered decision for an identity it describes", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/auth/whoami", h.bearer(token))).status).toBe(200);
    expect(h.events("decision").at(-1)).toMatchObject({
      route: "/auth/whoami",
      outcome: "answered",
      credential: "bearer",
      sub: "user-123",
      status: 200,
    });
  });
});
