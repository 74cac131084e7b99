import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const SESSION = "__Host-edge-auth";

async function signedIn(h: Harness): Promise<Browser> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private")).status).toBe(303);
  return browser;
}

describe("/auth/logout", () => {
  it("ends the session on the server, clears the cookie and goes to the provider's end_session_endpoint (RP-Initiated Logout §2)", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const copied = browser.cookieHeader();
    const res = await browser.post("/auth/logout");
    expect(res.status).toBe(303);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://issuer.test/logout");
    expect(location.searchParams.get("post_logout_redirect_uri")).toBe("https://site.test/auth/signed-out");
    expect(location.searchParams.get("client_id")).toBe("client-1");
    // By default the ID token stays out of the browser's history and the provider's logs.
    expect(location.searchParams.has("id_token_hint")).toBe(false);
    expect([...location.searchParams.keys()].sort()).toEqual(["client_id", "post_logout_redirect_uri"]);
    expect(res.headers.getSetCookie()).toContain(
      `${SESSION}=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
    );
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.logs.at(-1)).toMatchObject({ outcome: "logout", sub: "user-123" });

    // A copy of the cookie made before logout is refused at once (same isolate)…
    const replay = await h.fetch("/private", { headers: { ...NAVIGATION, cookie: copied } });
    expect(replay.status).toBe(302);
    expect(h.logs.at(-1)).toMatchObject({ reason: "session_unknown" });
    // …and in another isolate of this location, which reads KV.
    const elsewhere = await h.otherIsolate()("/private", { headers: { ...NAVIGATION, cookie: copied } });
    expect(elsewhere.status).toBe(302);
  });

  it('sends the session\'s ID token as id_token_hint only with OIDC_LOGOUT_HINT = "id_token_hint" (RP-Initiated Logout §2)', async () => {
    const h = await createHarness({ vars: { OIDC_LOGOUT_HINT: "id_token_hint" } });
    const browser = await signedIn(h);
    const res = await browser.post("/auth/logout");
    const location = new URL(res.headers.get("location")!);
    const hint = location.searchParams.get("id_token_hint")!;
    expect(hint).toBe(h.provider.issuedIdTokens.at(-1));
    expect(JSON.parse(atob(hint.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")))).toMatchObject({
      sub: "user-123",
      aud: "client-1",
    });
    expect(location.searchParams.get("client_id")).toBe("client-1");
    expect(location.searchParams.get("post_logout_redirect_uri")).toBe("https://site.test/auth/signed-out");
    // The hint that left in the address bar opens nothing any more.
    expect((await h.fetch("/private", h.bearer(hint))).status).toBe(401);
  });

  it("also forgets pending sign-in attempts", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    await browser.startLogin("/auth/login");
    await browser.post("/auth/logout");
    expect([...browser.cookies.keys()]).toEqual([]);
  });

  it("goes to the site's signed-out page when the provider has no end_session_endpoint", async () => {
    const h = await createHarness();
    const { end_session_endpoint: _, ...document } = h.issuer.discoveryDocument;
    h.issuer.discoveryResponder = () => Response.json(document);
    const browser = await signedIn(h);
    const res = await browser.post("/auth/logout");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://site.test/auth/signed-out");
  });

  it("goes to the signed-out page when there is no session to end", async () => {
    const h = await createHarness();
    const res = await new Browser(h).post("/auth/logout");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://site.test/auth/signed-out");
  });

  it("refuses a cross-site POST (CSRF) and shows the confirmation instead; the session stays", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const attempts: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site", origin: "https://evil.test" },
      { "sec-fetch-site": "same-site", origin: "https://sub.site.test" },
      { origin: "https://evil.test" },
      {},
    ];
    for (const headers of attempts) {
      const res = await h.fetch("/auth/logout", {
        method: "POST",
        headers: { ...headers, cookie: browser.cookieHeader() },
      });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await res.text()).toContain('<form method="post" action="/auth/logout">');
    }
    expect((await browser.visit("/private")).status).toBe(200);
  });

  it("accepts a same-origin POST identified by the Origin header alone (no Fetch Metadata)", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const res = await h.fetch("/auth/logout", {
      method: "POST",
      headers: { origin: "https://site.test", cookie: browser.cookieHeader() },
    });
    expect(res.status).toBe(303);
  });

  it("shows a confirmation page on GET and signs nobody out", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const res = await browser.visit("/auth/logout");
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("content-security-policy")).toContain("form-action 'self' https://issuer.test");
    expect(await res.text()).toContain('<form method="post" action="/auth/logout">');
    expect((await browser.visit("/private")).status).toBe(200);
  });

  it("serves the signed-out page with a way to sign in again", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/signed-out", { headers: NAVIGATION });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('href="/auth/login?return_to=%2F"');
  });
});
