import { describe, expect, it } from "vitest";
import { Browser } from "../support/browser.ts";
import { createHarness } from "../support/harness.ts";

const SESSION = "__Host-edge-auth";
const ADMIN_ROUTES = [{ pattern: "/admin/*", allow: { groups: ["admins"] } }, { pattern: "*" }];

async function userinfoHarness(extra: Record<string, unknown> = {}) {
  return createHarness({ vars: { OIDC_USERINFO: "true", AUTH_ROUTES: ADMIN_ROUTES, ...extra } });
}

function loginFailure(h: Awaited<ReturnType<typeof createHarness>>) {
  return h.logs.find((line) => line.outcome === "login_failed");
}

describe("OIDC_USERINFO: the UserInfo claims at sign-in (OIDC Core §5.3)", () => {
  it("lets route rules see groups that only the UserInfo endpoint carries", async () => {
    const h = await userinfoHarness();
    h.provider.idTokenOverrides = { groups: undefined };
    h.provider.userinfoClaims = { groups: ["admins"] };
    const browser = new Browser(h);
    expect((await browser.signIn("/admin/")).status).toBe(303);
    expect(h.provider.userinfoRequests).toHaveLength(1);
    expect(h.provider.userinfoRequests[0]).toMatch(/^Bearer access-/);
    const page = await browser.visit("/admin/");
    expect(page.status).toBe(200);
    expect(h.originCalls[0]?.headers.get("x-auth-groups")).toBe("admins");
  });

  it("never calls the UserInfo endpoint unless OIDC_USERINFO is on", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: ADMIN_ROUTES } });
    h.provider.userinfoClaims = { groups: ["admins"] };
    const browser = new Browser(h);
    expect((await browser.signIn("/admin/")).status).toBe(303);
    expect(h.provider.userinfoRequests).toEqual([]);
    expect((await browser.visit("/admin/")).status).toBe(403);
  });

  it("refuses a UserInfo response for another subject with a 400 page (OIDC Core §5.3.2)", async () => {
    const h = await userinfoHarness();
    h.provider.userinfoClaims = { sub: "someone-else", groups: ["admins"] };
    const browser = new Browser(h);
    const callback = await browser.signIn("/admin/");
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain("names another account");
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(loginFailure(h)).toMatchObject({ reason: "userinfo_sub_mismatch", status: 400 });
  });

  it("fails the sign-in closed when the UserInfo endpoint errs, without logging the token", async () => {
    const h = await userinfoHarness();
    h.provider.userinfoResponder = () => new Response("down", { status: 503 });
    const browser = new Browser(h);
    const callback = await browser.signIn("/admin/");
    expect(callback.status).toBe(400);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(loginFailure(h)).toMatchObject({
      reason: "userinfo_failed",
      detail: "userinfo endpoint answered 503",
    });
    expect(JSON.stringify(h.logs)).not.toMatch(/access-\d/);
  });

  it("fails closed on a UserInfo body without a string sub, or not JSON", async () => {
    for (const body of [JSON.stringify({ groups: ["admins"] }), "<html>", JSON.stringify({ sub: 7 })]) {
      const h = await userinfoHarness();
      h.provider.userinfoResponder = () =>
        new Response(body, { headers: { "content-type": "application/json" } });
      expect((await new Browser(h).signIn("/admin/")).status).toBe(400);
      expect(loginFailure(h)?.reason).toBe("userinfo_failed");
    }
  });

  it("keeps the ID token's registered claims: UserInfo cannot change issuer, audience, expiry or subject", async () => {
    const h = await userinfoHarness();
    h.provider.userinfoClaims = {
      iss: "https://evil.test",
      aud: "other-client",
      exp: 1,
      auth_time: 1,
      acr: "phr",
      groups: ["admins"],
    };
    const browser = new Browser(h);
    expect((await browser.signIn("/admin/")).status).toBe(303);
    expect((await browser.visit("/admin/")).status).toBe(200);
    expect(h.originCalls[0]?.headers.get("x-auth-issuer")).toBe("https://issuer.test");
  });

  it("keeps the UserInfo claims when the session is refreshed", async () => {
    const h = await userinfoHarness();
    h.provider.idTokenOverrides = { groups: undefined };
    h.provider.userinfoClaims = { groups: ["admins"] };
    const browser = new Browser(h);
    await browser.signIn("/admin/");
    h.advanceSeconds(h.provider.idTokenLifetimeSeconds + 1);
    expect((await browser.visit("/admin/")).status).toBe(200);
    expect(h.events("session_refreshed")).toHaveLength(1);
  });
});
