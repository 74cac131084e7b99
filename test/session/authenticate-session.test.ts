import { describe, expect, it } from "vitest";
import { digestBase64Url } from "../../src/crypto/secret-keys.ts";
import { Browser } from "../support/browser.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const SESSION = "__Host-edge-auth";

async function signedIn(h: Harness): Promise<Browser> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private")).status).toBe(303);
  return browser;
}

async function sessionKey(browser: Browser): Promise<string> {
  const id = browser.cookies.get(SESSION)!.value.split(".")[0]!;
  return `session:${await digestBase64Url(id)}`;
}

describe("a session is bound to the configured issuer and client", () => {
  it("refuses a session record whose iss is another issuer and makes the browser forget it", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const key = await sessionKey(browser);
    const record = (await h.kv.inner.get(key, "json")) as { claims: Record<string, unknown> };
    record.claims.iss = "https://another-issuer.test";
    await h.kv.inner.put(key, JSON.stringify(record));
    // A new isolate of the same deployment reads the record from KV.
    browser.fetcher = h.otherIsolate();
    const res = await browser.visit("/private");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/auth/login?return_to=%2Fprivate");
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(h.originCalls.filter((call) => call.url.endsWith("/private"))).toHaveLength(0);
    expect(h.events("decision").at(-1)).toMatchObject({
      reason: "session_unknown",
      detail: "made for another issuer or client",
    });
  });

  it("refuses a session made for another client of the same issuer (same KV, same SESSION_SECRET)", async () => {
    const h = await createHarness();
    const browser = await signedIn(h);
    const otherClient = await createHarness({
      issuer: h.issuer,
      clock: h.clock,
      keepKv: true,
      vars: { OIDC_CLIENT_ID: "client-2" },
    });
    const visitor = new Browser(otherClient);
    visitor.cookies.set(SESSION, browser.cookies.get(SESSION)!);
    const res = await visitor.visit("/private", { headers: { accept: "application/json" } });
    expect(res.status).toBe(401);
    expect(visitor.cookies.has(SESSION)).toBe(false);
    expect(otherClient.originCalls).toHaveLength(0);
    expect(otherClient.events("decision").at(-1)).toMatchObject({ reason: "session_unknown" });
  });
});
