import { describe, expect, it } from "vitest";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { ISSUER } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const SESSION = "__Host-edge-auth";
/** What the provider's hidden iframe sends: a cross-site frame navigation. */
const IN_PROVIDER_FRAME = { ...NAVIGATION, "sec-fetch-site": "cross-site", "sec-fetch-dest": "iframe" };

function frontChannelUrl(params: Record<string, string>): string {
  return `/auth/frontchannel-logout?${new URLSearchParams(params)}`;
}

async function signedIn(h: Harness, sid: string): Promise<{ browser: Browser; idToken: string }> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private", { claims: { sid } })).status).toBe(303);
  return { browser, idToken: h.provider.issuedIdTokens.at(-1)! };
}

function expectFrameablePage(res: Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get("cache-control")).toBe("private, no-store");
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("location")).toBeNull();
  expect(res.headers.get("x-frame-options")).toBeNull();
  expect(res.headers.get("content-security-policy")).toContain(`frame-ancestors ${ISSUER};`);
}

describe("GET /auth/frontchannel-logout (Front-Channel Logout 1.0)", () => {
  it("ends the sessions of the sid when iss is the issuer: a page the provider may frame, no redirect (§2, §3)", async () => {
    const h = await createHarness();
    const ended = await signedIn(h, "sid-1");
    const other = await signedIn(h, "sid-2");

    // Inside the provider's cross-site iframe the SameSite=Lax cookie is not sent.
    const res = await h.fetch(frontChannelUrl({ iss: ISSUER, sid: "sid-1" }), { headers: IN_PROVIDER_FRAME });
    expectFrameablePage(res, 200);
    expect(await res.text()).toContain("You are signed out of this site.");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(h.events("decision").at(-1)).toMatchObject({
      route: "/auth/frontchannel-logout",
      outcome: "logout",
      status: 200,
    });

    expect((await ended.browser.visit("/private")).status).toBe(302);
    expect((await h.fetch("/private", h.bearer(ended.idToken))).status).toBe(401);
    expect((await other.browser.visit("/private")).status).toBe(200);
  });

  it("also expires the browser's own session cookie when the browser sends it and it belongs to that sid", async () => {
    const h = await createHarness();
    const { browser } = await signedIn(h, "sid-1");
    const res = await browser.visit(frontChannelUrl({ iss: ISSUER, sid: "sid-1" }));
    expectFrameablePage(res, 200);
    expect(res.headers.getSetCookie()).toEqual([
      `${SESSION}=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
    ]);
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  it("leaves the browser's cookie alone when its session has another sid", async () => {
    const h = await createHarness();
    const { browser } = await signedIn(h, "sid-2");
    const res = await browser.visit(frontChannelUrl({ iss: ISSUER, sid: "sid-1" }));
    expectFrameablePage(res, 200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await browser.visit("/private")).status).toBe(200);
  });

  for (const [name, params] of [
    ["without sid", { iss: ISSUER }],
    ["without iss", { sid: "sid-1" }],
    ["with the iss of another issuer", { iss: "https://other.test", sid: "sid-1" }],
    ["with an empty sid", { iss: ISSUER, sid: "" }],
  ] as const)
    it(`answers a 400 page ${name} and ends nothing (§2: iss and sid are required)`, async () => {
      const h = await createHarness();
      const { browser } = await signedIn(h, "sid-1");
      const res = await h.fetch(frontChannelUrl(params), { headers: IN_PROVIDER_FRAME });
      expectFrameablePage(res, 400);
      expect(h.events("decision").at(-1)).toMatchObject({
        outcome: "refused",
        reason: "logout_request_invalid",
        status: 400,
      });
      expect((await browser.visit("/private")).status).toBe(200);
    });

  it("answers a 400 page when sid is given twice (two readings of one request)", async () => {
    const h = await createHarness();
    const res = await h.fetch(`/auth/frontchannel-logout?iss=${encodeURIComponent(ISSUER)}&sid=a&sid=b`);
    expectFrameablePage(res, 400);
  });
});
