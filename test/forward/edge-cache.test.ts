import { describe, expect, it } from "vitest";
import { Browser } from "../support/browser.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";

/**
 * Cloudflare's cache sits between a worker's subrequest and the origin. A per-user answer stored there
 * would be served to the next admitted user, and the origin would never see that user's identity.
 */
describe("what the edge cache may keep", () => {
  it('forwards a bearer-identified request with cache: "no-store", so it is neither looked up nor stored', async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/reports/mine", h.bearer(token));
    expect(res.status).toBe(200);
    expect(h.originCalls).toHaveLength(1);
    expect(h.originCalls[0]!.cache).toBe("no-store");
  });

  it('forwards a session-identified request with cache: "no-store"', async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    await browser.signIn("/home");
    h.originCalls.length = 0;
    const res = await browser.visit("/reports/mine");
    expect(res.status).toBe(200);
    expect(h.originCalls).toHaveLength(1);
    expect(h.originCalls[0]!.headers.get("x-auth-sub")).toBe("user-123");
    expect(h.originCalls[0]!.cache).toBe("no-store");
  });

  it("leaves a public request to the zone's caching rules, credential or not", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("/public/logo.svg");
    await h.fetch("/public/logo.svg", h.bearer(token));
    expect(h.originCalls.map((call) => call.cache)).toEqual([undefined, undefined]);
    expect(h.originCalls[1]!.headers.get("x-auth-sub")).toBeNull();
  });

  it("sends no cache option to the ASSETS binding, whose files are the same for everyone, and still answers private", async () => {
    const assetsCalls: Request[] = [];
    const assets = {
      fetch: async (request: Request) => {
        assetsCalls.push(request);
        return new Response("report", { headers: { "cache-control": "public, max-age=60" } });
      },
    };
    const h = await createHarness({ vars: { ORIGIN_URL: undefined, ASSETS: assets } });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/reports/mine", h.bearer(token));
    expect(res.status).toBe(200);
    expect(h.originCalls).toHaveLength(0);
    expect(assetsCalls).toHaveLength(1);
    expect(assetsCalls[0]!.cache).toBeUndefined();
    expect(assetsCalls[0]!.headers.get("x-auth-sub")).toBe("user-123");
    expect(res.headers.get("cache-control")).toBe("private, max-age=60");
  });
});
