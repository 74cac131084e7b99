import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "./support/browser.ts";
import { signToken, validClaims } from "./support/fake-issuer.ts";
import { createHarness, type Harness } from "./support/harness.ts";

const MFA = "urn:example:mfa";
const HWK = "urn:example:hwk";
const STEP_UP = {
  AUTH_ROUTES: [
    { pattern: "/public/*", access: "public" },
    { pattern: "/admin/*", require_acr: [MFA, HWK] },
    { pattern: "/keys/*", require_amr: ["mfa", "hwk"] },
    { pattern: "/billing/*", max_age: 300 },
    { pattern: "/api/*", require_acr: [MFA], max_age: 600 },
    { pattern: "*" },
  ],
};
const FETCH = { "sec-fetch-mode": "cors", "sec-fetch-site": "same-origin", accept: "application/json" };

async function signedIn(claims: Record<string, unknown> = {}): Promise<{ h: Harness; browser: Browser }> {
  const h = await createHarness({ vars: STEP_UP });
  const browser = new Browser(h);
  const res = await browser.signIn("/home", { claims });
  expect(res.status).toBe(303);
  return { h, browser };
}

/** From the gate's step-up redirect through /auth/login to the provider: the authorization request. */
async function followToProvider(browser: Browser, loginUrl: string): Promise<URL> {
  const login = await browser.visit(loginUrl);
  expect(login.status).toBe(302);
  return new URL(login.headers.get("location")!);
}

function bearerToken(h: Harness, claims: Record<string, unknown>): Promise<string> {
  return signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), claims));
}

describe("step-up for signed-in browsers", () => {
  it("sends a session without the route's acr to sign in with acr_values, then admits the page", async () => {
    const { h, browser } = await signedIn();
    const oldSession = browser.cookies.get("__Host-edge-auth")?.value;
    const res = await browser.visit("/admin/panel?tab=2");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/auth/login?return_to=%2Fadmin%2Fpanel%3Ftab%3D2&step_up=1");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(h.logs.at(-1)).toMatchObject({
      outcome: "refused",
      status: 302,
      reason: "step_up_required",
      detail: "acr: absent",
      credential: "session",
      sub: "user-123",
    });

    const authorize = await followToProvider(browser, res.headers.get("location")!);
    expect(authorize.searchParams.get("acr_values")).toBe(`${MFA} ${HWK}`);
    expect(authorize.searchParams.has("max_age")).toBe(false);
    expect(authorize.searchParams.has("prompt")).toBe(false);

    const callback = await browser.visit(h.provider.approve(authorize.href));
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("https://site.test/admin/panel?tab=2");
    expect(browser.cookies.get("__Host-edge-auth")?.value).not.toBe(oldSession);
    const page = await browser.visit("/admin/panel?tab=2");
    expect(page.status).toBe(200);
    expect(h.originCalls.at(-1)!.url).toBe("https://origin.test/admin/panel?tab=2");
    // The new session satisfies every route it can: the rest of the site as before.
    expect((await browser.visit("/home")).status).toBe(200);
  });

  it("shows a 403 page saying what is needed when the provider still returns a weaker acr, never a loop", async () => {
    const { h, browser } = await signedIn({ acr: "urn:example:pwd" });
    const sessionBefore = browser.cookies.get("__Host-edge-auth")?.value;
    const redirect = await browser.visit("/admin/panel");
    expect(redirect.headers.get("location")).toBe("/auth/login?return_to=%2Fadmin%2Fpanel&step_up=1");
    expect(h.logs.at(-1)).toMatchObject({ reason: "step_up_required", detail: "acr: not listed" });
    const authorize = await followToProvider(browser, redirect.headers.get("location")!);

    const callback = await browser.visit(
      h.provider.approve(authorize.href, { claims: { acr: "urn:example:pwd" } }),
    );
    expect(callback.status).toBe(403);
    expect(callback.headers.get("location")).toBeNull();
    expect(callback.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const body = await callback.text();
    expect(body).toContain(`This page needs a sign-in with the authentication level ${MFA} or ${HWK} (acr).`);
    expect(body).toContain('href="/auth/login?return_to=%2Fadmin%2Fpanel&#38;step_up=1&#38;reauth=1"');
    expect(h.logs.at(-1)).toMatchObject({
      outcome: "login_failed",
      status: 403,
      reason: "step_up_failed",
      detail: "acr: not listed",
    });
    // The previous session stays, and still serves what it satisfies.
    expect(browser.cookies.get("__Host-edge-auth")?.value).toBe(sessionBefore);
    expect((await browser.visit("/home")).status).toBe(200);
    expect(h.originCalls.filter((call) => call.url.includes("/admin/"))).toEqual([]);
  });

  it("asks for max_age and prompt=login when the authentication is older than the route's max_age", async () => {
    const { h, browser } = await signedIn();
    expect((await browser.visit("/billing/invoices")).status).toBe(200);
    h.advanceSeconds(300 + 30 + 1); // past max_age and the clock leeway
    const res = await browser.visit("/billing/invoices");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(
      "/auth/login?return_to=%2Fbilling%2Finvoices&step_up=3&reauth=1",
    );
    expect(h.logs.at(-1)).toMatchObject({ reason: "step_up_required", detail: "auth_time: too old" });

    const authorize = await followToProvider(browser, res.headers.get("location")!);
    expect(authorize.searchParams.get("max_age")).toBe("300");
    expect(authorize.searchParams.get("prompt")).toBe("login");
    expect(authorize.searchParams.has("acr_values")).toBe(false);
    expect((await browser.visit(h.provider.approve(authorize.href))).status).toBe(303);
    expect((await browser.visit("/billing/invoices")).status).toBe(200);
  });

  it("refuses a step-up callback whose ID token has no auth_time when max_age was sent (OIDC Core §3.1.3.7 rule 13)", async () => {
    const { h, browser } = await signedIn({ auth_time: undefined });
    const sessionBefore = browser.cookies.get("__Host-edge-auth")?.value;
    const res = await browser.visit("/billing/invoices");
    expect(h.logs.at(-1)).toMatchObject({ reason: "step_up_required", detail: "auth_time: absent" });
    const authorize = await followToProvider(browser, res.headers.get("location")!);
    expect(authorize.searchParams.get("max_age")).toBe("300");
    const callback = await browser.visit(
      h.provider.approve(authorize.href, { claims: { auth_time: undefined } }),
    );
    expect(callback.status).toBe(400);
    expect(callback.headers.get("location")).toBeNull();
    // oauth4webapi refuses the token response first (its code: a required claim is missing).
    expect(h.logs.at(-1)).toMatchObject({ outcome: "login_failed", reason: "token_response_invalid" });
    expect(browser.cookies.get("__Host-edge-auth")?.value).toBe(sessionBefore);
  });

  it("asks for a fresh sign-in (prompt=login) when the route's amr is missing, and admits it with mfa", async () => {
    const { h, browser } = await signedIn({ amr: ["pwd"] });
    const res = await browser.visit("/keys/list");
    expect(res.headers.get("location")).toBe("/auth/login?return_to=%2Fkeys%2Flist&step_up=2&reauth=1");
    expect(h.logs.at(-1)).toMatchObject({ reason: "step_up_required", detail: "amr: none listed" });
    const authorize = await followToProvider(browser, res.headers.get("location")!);
    expect(authorize.searchParams.get("prompt")).toBe("login");
    expect(authorize.searchParams.has("acr_values")).toBe(false);
    await browser.visit(h.provider.approve(authorize.href, { claims: { amr: ["pwd", "mfa"] } }));
    expect((await browser.visit("/keys/list")).status).toBe(200);
  });

  it("asks for a route's requirement on the first sign-in too, so one trip to the provider serves", async () => {
    const h = await createHarness({ vars: STEP_UP });
    const browser = new Browser(h);
    const first = await browser.visit("/api/things");
    expect(first.headers.get("location")).toBe("/auth/login?return_to=%2Fapi%2Fthings");
    const authorize = await followToProvider(browser, first.headers.get("location")!);
    expect(authorize.searchParams.get("acr_values")).toBe(MFA);
    expect(authorize.searchParams.get("max_age")).toBe("600");
    expect(authorize.searchParams.has("prompt")).toBe(false);
    await browser.visit(h.provider.approve(authorize.href));
    expect((await browser.visit("/api/things")).status).toBe(200);
  });

  it("takes the requirement from the route return_to leads to, never from the query", async () => {
    const { h, browser } = await signedIn();
    const authorize = await followToProvider(
      browser,
      "/auth/login?return_to=%2Fadmin%2Fpanel&step_up=1&acr_values=urn%3Aexample%3Aweak&max_age=99999",
    );
    expect(authorize.searchParams.get("acr_values")).toBe(`${MFA} ${HWK}`);
    expect(authorize.searchParams.has("max_age")).toBe(false);
    // The provider honouring a forged weaker acr would not help: the callback checks the route's.
    const callback = await browser.visit(
      h.provider.approve(authorize.href, { claims: { acr: "urn:example:weak" } }),
    );
    expect(callback.status).toBe(403);
  });

  it("refuses a step_up that names another route than return_to leads to (step_up_mismatch)", async () => {
    const { h, browser } = await signedIn();
    for (const query of [
      "return_to=%2Fhome&step_up=1",
      "return_to=%2Fadmin%2Fx&step_up=2",
      "return_to=%2Fadmin%2Fx&step_up=01",
    ]) {
      const res = await browser.visit(`/auth/login?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(h.logs.at(-1)).toMatchObject({ outcome: "login_failed", reason: "step_up_mismatch" });
    }
  });

  it("answers a signed-in fetch/XHR that falls short with the RFC 9470 401, not a redirect", async () => {
    const { browser } = await signedIn();
    const res = await browser.visit("/admin/data.json", { headers: FETCH });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_user_authentication"');
  });
});

describe("step-up for API clients (RFC 9470)", () => {
  it("answers a bearer token without the route's acr with 401 insufficient_user_authentication (RFC 9470 §3)", async () => {
    const h = await createHarness({ vars: STEP_UP });
    const res = await h.fetch("/api/orders", h.bearer(await bearerToken(h, { auth_time: h.nowSeconds() })));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="edge-auth", error="insufficient_user_authentication", error_description="A sign-in with the authentication level ${MFA} (acr) within the last 10 minutes is required", acr_values="${MFA}", max_age="600"`,
    );
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.json()).toEqual({ error: "insufficient_user_authentication" });
    expect(h.logs.at(-1)).toMatchObject({
      outcome: "refused",
      status: 401,
      reason: "step_up_required",
      credential: "bearer",
    });
    expect(h.originCalls).toEqual([]);
  });

  it("answers a bearer token whose authentication is too old with max_age only (RFC 9470 §3)", async () => {
    const h = await createHarness({ vars: STEP_UP });
    const token = await bearerToken(h, { auth_time: h.nowSeconds() - 3600 });
    const res = await h.fetch("/billing/x", h.bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="edge-auth", error="insufficient_user_authentication", error_description="A sign-in within the last 5 minutes is required", max_age="300"',
    );
    expect(h.logs.at(-1)).toMatchObject({ reason: "step_up_required", detail: "auth_time: too old" });
  });

  it("forwards a bearer token that meets the route's acr, amr and max_age", async () => {
    const h = await createHarness({ vars: STEP_UP });
    const now = h.nowSeconds();
    expect(
      (await h.fetch("/api/x", h.bearer(await bearerToken(h, { acr: MFA, auth_time: now - 599 })))).status,
    ).toBe(200);
    expect((await h.fetch("/admin/x", h.bearer(await bearerToken(h, { acr: HWK })))).status).toBe(200);
    expect((await h.fetch("/keys/x", h.bearer(await bearerToken(h, { amr: ["pwd", "hwk"] })))).status).toBe(
      200,
    );
    expect(h.originCalls).toHaveLength(3);
  });

  it("never lets a missing or wrongly typed acr, amr or auth_time match", async () => {
    const h = await createHarness({ vars: STEP_UP });
    const now = h.nowSeconds();
    const cases: [string, Record<string, unknown>, string][] = [
      ["/admin/x", {}, "acr: absent"],
      ["/admin/x", { acr: [MFA] }, "acr: array, not string"],
      ["/admin/x", { acr: null }, "acr: null, not string"],
      ["/admin/x", { acr: `${MFA} ${HWK}` }, "acr: not listed"],
      ["/keys/x", {}, "amr: absent"],
      ["/keys/x", { amr: "mfa" }, "amr: string, not array of strings"],
      ["/keys/x", { amr: ["mfa", 1] }, "amr: array, not array of strings"],
      ["/keys/x", { amr: { 0: "mfa" } }, "amr: object, not array of strings"],
      ["/billing/x", {}, "auth_time: absent"],
      ["/billing/x", { auth_time: String(now) }, "auth_time: string, not a finite number"],
      ["/billing/x", { auth_time: now + 3600 }, "auth_time: in the future"],
    ];
    for (const [path, claims, detail] of cases) {
      const res = await h.fetch(path, h.bearer(await bearerToken(h, claims)));
      expect(res.status, JSON.stringify(claims)).toBe(401);
      expect(h.logs.at(-1), JSON.stringify(claims)).toMatchObject({ reason: "step_up_required", detail });
    }
    expect(h.originCalls).toEqual([]);
  });

  it("checks step-up only after the route's other rules admitted the identity", async () => {
    const h = await createHarness({
      vars: { AUTH_ROUTES: [{ pattern: "*", allow: { groups: ["admins"] }, require_acr: [MFA] }] },
    });
    const res = await h.fetch("/x", h.bearer(await bearerToken(h, { groups: ["staff"] })));
    expect(res.status).toBe(403);
    expect(h.logs.at(-1)).toMatchObject({ reason: "forbidden_by_policy" });
  });

  it("leaves routes without a requirement as they were, and a navigation with a bearer token gets the 401", async () => {
    const h = await createHarness({ vars: STEP_UP });
    const token = await bearerToken(h, {});
    expect((await h.fetch("/home", h.bearer(token))).status).toBe(200);
    const res = await h.fetch("/admin/x", h.bearer(token, NAVIGATION));
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
  });
});
