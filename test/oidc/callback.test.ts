import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import { stallingKv } from "../support/kv.ts";

const SESSION = "__Host-edge-auth";

function loginCookies(browser: Browser): string[] {
  return [...browser.cookies.keys()].filter((name) => name.includes("-login-"));
}

describe("/auth/callback", () => {
  it("signs a browser in: code exchanged, session created, 303 back to the page it asked for", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const callback = await browser.signIn("/reports?year=2026");
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("https://site.test/reports?year=2026");
    // The callback URL carries the code: it must not leak as a Referer to the page that follows.
    expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
    expect(callback.headers.get("cache-control")).toBe("private, no-store");
    expect(browser.cookies.get(SESSION)?.line).toMatch(
      /^__Host-edge-auth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=86400$/,
    );
    expect(loginCookies(browser)).toEqual([]);
    const page = await browser.visit("/reports?year=2026");
    expect(page.status).toBe(200);
    expect(h.logs.find((line) => line.outcome === "login_completed")).toMatchObject({
      sub: "user-123",
      status: 303,
    });
  });

  it("costs one KV read and two KV writes per sign-in (single-use state, session) and none to start it", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const authorizationUrl = await browser.startLogin("/auth/login");
    expect(h.kv.counts).toEqual({ get: 0, put: 0, delete: 0 });
    await browser.visit(h.provider.approve(authorizationUrl));
    expect(h.kv.counts).toEqual({ get: 1, put: 2, delete: 0 });
  });

  it("exchanges the code as a confidential client with HTTP Basic when OIDC_CLIENT_SECRET is set", async () => {
    const h = await createHarness({ vars: { OIDC_CLIENT_SECRET: "s3cret:with/odd chars" } });
    h.provider.clientSecret = "s3cret:with/odd chars";
    const res = await new Browser(h).signIn();
    expect(res.status).toBe(303);
    expect(h.provider.tokenRequests).toEqual([
      { grantType: "authorization_code", clientAuth: "basic", clientId: null },
    ]);
  });

  it("can send the client secret in the body (client_secret_post)", async () => {
    const h = await createHarness({
      vars: { OIDC_CLIENT_SECRET: "s3cret", OIDC_TOKEN_AUTH_METHOD: "client_secret_post" },
    });
    h.provider.clientSecret = "s3cret";
    expect((await new Browser(h).signIn()).status).toBe(303);
    expect(h.provider.tokenRequests[0]).toMatchObject({ clientAuth: "post", clientId: "client-1" });
  });

  it("exchanges the code as a public client with only the PKCE verifier when there is no secret", async () => {
    const h = await createHarness();
    expect((await new Browser(h).signIn()).status).toBe(303);
    expect(h.provider.tokenRequests).toEqual([
      { grantType: "authorization_code", clientAuth: "none", clientId: "client-1" },
    ]);
  });

  it("lets two tabs sign in at once, whichever finishes first", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const tabA = await browser.startLogin("/a");
    const tabB = await browser.startLogin("/b");
    const backB = await browser.visit(h.provider.approve(tabB));
    const backA = await browser.visit(h.provider.approve(tabA));
    expect([backB.status, backB.headers.get("location")]).toEqual([303, "https://site.test/b"]);
    expect([backA.status, backA.headers.get("location")]).toEqual([303, "https://site.test/a"]);
    expect(loginCookies(browser)).toEqual([]);
    expect((await browser.visit("/a")).status).toBe(200);
  });

  it("refuses a replayed callback (state reuse) with a 400 page and no redirect", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const authorizationUrl = await browser.startLogin("/x");
    const callbackUrl = h.provider.approve(authorizationUrl);
    const cookiesBefore = browser.cookieHeader();
    expect((await browser.visit(callbackUrl)).status).toBe(303);
    // The same request again, with the attempt cookie the browser had (a copied request).
    const replay = await h.fetch(callbackUrl, { headers: { ...NAVIGATION, cookie: cookiesBefore } });
    expect(replay.status).toBe(400);
    expect(replay.headers.get("location")).toBeNull();
    expect(h.logs.filter((l) => l.route === "/auth/callback").at(-1)).toMatchObject({
      reason: "state_reused",
    });
    expect(h.provider.tokenRequests).toHaveLength(1);
  });

  it("refuses a callback whose state this browser never started", async () => {
    const h = await createHarness();
    const stranger = new Browser(h);
    const callbackUrl = h.provider.approve(await stranger.startLogin("/x"));
    const victim = new Browser(h);
    const res = await victim.visit(callbackUrl);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain("not started in this browser");
    expect(body).toContain('href="/auth/login?return_to=%2F"');
    expect(victim.cookies.has(SESSION)).toBe(false);
    expect(h.provider.tokenRequests).toHaveLength(0);
  });

  it("refuses a callback without state", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/callback?code=abc", { headers: NAVIGATION });
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "state_missing" });
  });

  it("refuses a tampered attempt cookie", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const callbackUrl = h.provider.approve(await browser.startLogin("/x"));
    const [name] = loginCookies(browser);
    const cookie = browser.cookies.get(name!)!;
    // Change the second-to-last character to another one (never to itself: the value is random).
    const changed = cookie.value.at(-2) === "A" ? "B" : "A";
    const flipped = `${cookie.value.slice(0, -2)}${changed}${cookie.value.slice(-1)}`;
    expect(flipped).not.toBe(cookie.value);
    browser.cookies.set(name!, { ...cookie, value: flipped });
    const res = await browser.visit(callbackUrl);
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "state_unknown" });
    expect(loginCookies(browser)).toEqual([]);
  });

  it("refuses an attempt cookie moved to another state's name", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const first = await browser.startLogin("/one");
    const [firstName] = loginCookies(browser);
    const firstValue = browser.cookies.get(firstName!)!;
    browser.cookies.clear();
    const second = h.provider.approve(await browser.startLogin("/two"));
    const [secondName] = loginCookies(browser);
    browser.cookies.set(secondName!, firstValue);
    expect(first).not.toBe(second);
    const res = await browser.visit(second);
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "state_unknown" });
  });

  it("refuses an attempt older than 10 minutes and offers to try again with the same return_to", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const callbackUrl = h.provider.approve(await browser.startLogin("/deep/page"));
    h.clock.nowMs += 10 * 60 * 1000;
    const res = await browser.visit(callbackUrl);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain("took too long");
    expect(body).toContain('href="/auth/login?return_to=%2Fdeep%2Fpage"');
    expect(h.provider.tokenRequests).toHaveLength(0);
  });

  it("shows the provider's error politely, escaped, with a try-again link (RFC 6749 §4.1.2.1)", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const res = await browser.visit(
      h.provider.approve(await browser.startLogin("/x"), {
        error: "access_denied",
        errorDescription: "<script>alert(1)</script> The user said no",
      }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const body = await res.text();
    expect(body).toContain("<code>access_denied</code>");
    expect(body).toContain("&#60;script&#62;alert(1)&#60;/script&#62; The user said no");
    expect(body).not.toContain("<script>");
    expect(body).toContain('href="/auth/login?return_to=%2Fx"');
    expect(h.provider.tokenRequests).toHaveLength(0);
  });

  it("refuses an ID token whose nonce is not the one of this attempt (OIDC Core §3.1.3.7 rule 11)", async () => {
    const h = await createHarness();
    h.provider.idTokenOverrides = { nonce: "another-attempts-nonce" };
    const browser = new Browser(h);
    const res = await browser.signIn("/x");
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "claim_mismatch:nonce" });
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  it("refuses an ID token without a nonce", async () => {
    const h = await createHarness();
    h.provider.idTokenOverrides = { nonce: undefined };
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(400);
  });

  it("verifies the ID token like a bearer token: a bad signature is refused", async () => {
    const h = await createHarness();
    // The provider's published key under this kid is not the one that signs its tokens.
    const impostor = await makeSigningKey("RS256", h.issuer.keys[0]!.kid);
    h.issuer.jwksResponder = () => Response.json({ keys: [impostor.publicJwk] });
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "bad_signature" });
  });

  it("refuses an ID token for another audience", async () => {
    const h = await createHarness();
    h.provider.idTokenOverrides = { aud: "someone-else" };
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "claim_mismatch:aud" });
  });

  it("checks auth_time against max_age when max_age was sent (OIDC Core §3.1.3.7 rule 13)", async () => {
    const h = await createHarness({ vars: { OIDC_AUTH_PARAMS: { max_age: 300 } } });
    const stale = await new Browser(h).signIn("/x", { claims: { auth_time: h.nowSeconds() - 3600 } });
    expect(stale.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "claim_invalid:auth_time" });
    const missing = await new Browser(h).signIn("/x", { claims: { auth_time: undefined } });
    expect(missing.status).toBe(400);
    const fresh = await new Browser(h).signIn("/x", { claims: { auth_time: h.nowSeconds() - 60 } });
    expect(fresh.status).toBe(303);
  });

  it("answers 400 when the token endpoint refuses the code (invalid_grant)", async () => {
    const h = await createHarness();
    h.provider.tokenResponder = () => Response.json({ error: "invalid_grant" }, { status: 400 });
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(400);
    expect(h.logs.at(-1)).toMatchObject({ reason: "code_exchange_failed" });
  });

  it("answers 503 with Retry-After when the token endpoint is down", async () => {
    const h = await createHarness();
    h.provider.tokenResponder = () => new Response("bad gateway", { status: 502 });
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(h.logs.at(-1)).toMatchObject({ reason: "token_endpoint_unavailable" });
  });

  it("answers 503 when the token endpoint cannot be reached at all", async () => {
    const h = await createHarness();
    h.provider.tokenResponder = () => {
      throw new TypeError("network down");
    };
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(503);
  });

  it("refuses a token response without an ID token", async () => {
    const h = await createHarness();
    h.provider.tokenResponder = () => Response.json({ access_token: "a", token_type: "Bearer" });
    const res = await new Browser(h).signIn("/x");
    expect(res.status).toBe(400);
  });

  it("replaces the browser's previous session, which ends on the server too", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    await browser.signIn("/x");
    const oldCookie = browser.cookieHeader();
    await browser.visit(h.provider.approve(await browser.startLogin("/auth/login?return_to=%2Fy")));
    expect(browser.cookieHeader()).not.toBe(oldCookie);
    const withOld = await h.fetch("/x", { headers: { ...NAVIGATION, cookie: oldCookie } });
    expect(withOld.status).toBe(302);
  });

  it("never writes a token, code, state or cookie into the logs", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const authorizationUrl = await browser.startLogin("/x");
    const callbackUrl = new URL(h.provider.approve(authorizationUrl));
    await browser.visit(callbackUrl.href);
    await browser.visit("/x");
    const logs = JSON.stringify(h.logs);
    for (const secret of [
      callbackUrl.searchParams.get("code")!,
      callbackUrl.searchParams.get("state")!,
      new URL(authorizationUrl).searchParams.get("nonce")!,
      browser.cookies.get(SESSION)!.value,
    ])
      expect(logs).not.toContain(secret);
  });
});

describe("/auth/callback when KV does not answer", () => {
  it("answers the 503 page instead of hanging when the session cannot be written", async () => {
    const { kv, stalls } = stallingKv(workerEnv.AUTH_KV);
    const h = await createHarness({ kv });
    const browser = new Browser(h);
    const authorizationUrl = await browser.startLogin("/private");
    stalls.writes = true;
    const res = await browser.visit(h.provider.approve(authorizationUrl));
    expect(res.status).toBe(503);
    expect(res.headers.get("location")).toBeNull();
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.events("login_state_store_failed")).toEqual([
      { event: "login_state_store_failed", operation: "put", problem: "timed out after 1000 ms" },
    ]);
    expect(h.logs.filter((line) => line.route === "/auth/callback").at(-1)).toMatchObject({
      outcome: "login_failed",
      reason: "session_store_unavailable",
      status: 503,
    });
  });

  it("still signs in when the single-use check cannot read KV in time (memory keeps the state single-use)", async () => {
    const { kv, stalls } = stallingKv(workerEnv.AUTH_KV);
    const h = await createHarness({ kv });
    const browser = new Browser(h);
    const authorizationUrl = await browser.startLogin("/private");
    // A bearer request loads keys and revocations into memory: only the state check reads KV.
    await h.fetch("/private", h.bearer(await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()))));
    stalls.reads = true;
    const res = await browser.visit(h.provider.approve(authorizationUrl));
    expect(res.status).toBe(303);
    expect(h.events("login_state_store_failed")).toEqual([
      { event: "login_state_store_failed", operation: "get", problem: "timed out after 1000 ms" },
    ]);
  });

  describe("the RFC 9207 iss parameter", () => {
    async function providerSendingIss() {
      const h = await createHarness();
      const document = {
        ...h.issuer.discoveryDocument,
        authorization_response_iss_parameter_supported: true,
      };
      h.issuer.discoveryResponder = () => Response.json(document);
      return h;
    }

    it("refuses a callback without iss when discovery says the provider sends it (RFC 9207 §2.4): a 400 page, no session, no loop", async () => {
      const h = await providerSendingIss();
      const browser = new Browser(h);
      const res = await browser.signIn("/private");
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain('href="/auth/login?return_to=%2Fprivate"');
      expect(browser.cookies.has(SESSION)).toBe(false);
      expect(h.provider.tokenRequests).toEqual([]);
      expect(h.logs.at(-1)).toMatchObject({ outcome: "login_failed", status: 400, reason: "iss_missing" });
    });

    it("refuses a provider error response without iss from such a provider too (RFC 9207 §2.4)", async () => {
      const h = await providerSendingIss();
      const res = await new Browser(h).signIn("/private", { error: "access_denied" });
      expect(res.status).toBe(400);
      expect(h.logs.at(-1)).toMatchObject({ outcome: "login_failed", reason: "iss_missing" });
    });

    it("signs in when iss equals the issuer exactly (RFC 9207 §2.4)", async () => {
      const h = await providerSendingIss();
      const res = await new Browser(h).signIn("/private", { iss: "https://issuer.test" });
      expect(res.status).toBe(303);
      expect(h.logs.at(-1)).toMatchObject({ outcome: "login_completed" });
    });

    it("refuses an iss of another issuer or a look-alike, whether or not discovery announces iss (mix-up, RFC 9207 §2.4)", async () => {
      for (const announce of [true, false]) {
        const h = announce ? await providerSendingIss() : await createHarness();
        for (const iss of ["https://attacker.test", "https://issuer.test/", "https://ISSUER.test", ""]) {
          const res = await new Browser(h).signIn("/private", { iss });
          expect(res.status, `${announce} ${iss}`).toBe(400);
          expect(h.logs.at(-1)).toMatchObject({ outcome: "login_failed", reason: "iss_mismatch" });
        }
        expect(h.provider.tokenRequests).toEqual([]);
      }
    });

    it("refuses iss given twice, even when one of them is the issuer", async () => {
      const h = await createHarness();
      const browser = new Browser(h);
      const callback = new URL(
        h.provider.approve(await browser.startLogin("/private"), { iss: "https://issuer.test" }),
      );
      callback.searchParams.append("iss", "https://attacker.test");
      const res = await browser.visit(callback.href);
      expect(res.status).toBe(400);
      expect(h.logs.at(-1)).toMatchObject({ reason: "iss_mismatch", detail: "iss given more than once" });
    });

    it("signs in without iss when discovery does not announce it", async () => {
      const h = await createHarness();
      expect((await new Browser(h).signIn("/private")).status).toBe(303);
    });
  });
});
