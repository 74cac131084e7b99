import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { signedOutPrefix } from "../../src/revocation/signed-out-tokens.ts";
import { Browser } from "../support/browser.ts";
import { ISSUER } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const JSON_ACCEPT = { accept: "application/json" };

/** Signs a browser in through the fake provider; returns it with the session's ID token. */
async function signIn(h: Harness): Promise<{ browser: Browser; idToken: string }> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private")).status).toBe(303);
  return { browser, idToken: h.provider.issuedIdTokens.at(-1)! };
}

function lastDecision(h: Harness): Record<string, unknown> | undefined {
  return h.logs.filter((line) => line.event === "decision").at(-1);
}

async function status(fetcher: Harness["fetch"], path: string, init: RequestInit): Promise<number> {
  const response = await fetcher(path, init);
  await response.arrayBuffer();
  return response.status;
}

describe("the ID token of a session that signed out", () => {
  it("is refused as a bearer token on protected paths and /auth/whoami, also when it was cached as verified", async () => {
    const h = await createHarness();
    const { browser, idToken } = await signIn(h);
    // Before sign-out the session's ID token opens pages as a bearer; at its second verification the
    // verified-token cache keeps it, and the third use is answered without a signature check.
    expect(await status(h.fetch, "/private", h.bearer(idToken))).toBe(200);
    expect(await status(h.fetch, "/auth/whoami", h.bearer(idToken, JSON_ACCEPT))).toBe(200);
    const verify = vi.spyOn(crypto.subtle, "verify");
    try {
      expect(await status(h.fetch, "/private", h.bearer(idToken))).toBe(200);
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }

    expect((await browser.post("/auth/logout")).status).toBe(303);

    const originCalls = h.originCalls.length;
    const res = await h.fetch("/private", h.bearer(idToken));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
    expect(lastDecision(h)).toMatchObject({
      outcome: "refused",
      reason: "revoked",
      detail: "signed_out",
      credential: "bearer",
      sub: "user-123",
    });
    expect(await status(h.fetch, "/auth/whoami", h.bearer(idToken, JSON_ACCEPT))).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "signed_out" });
    expect(h.originCalls).toHaveLength(originCalls);
    expect(JSON.stringify(h.logs)).not.toContain(idToken);
  });

  it("is refused by every other isolate once it lists the sign-outs from KV (a warm one after REVOCATION_CACHE_SECONDS)", async () => {
    const h = await createHarness();
    const { browser, idToken } = await signIn(h);
    const warm = h.otherIsolate();
    expect(await status(warm, "/private", h.bearer(idToken))).toBe(200);

    await browser.post("/auth/logout");

    // A new isolate reads the list before its first request.
    expect(await status(h.otherIsolate(), "/private", h.bearer(idToken))).toBe(401);
    // A warm isolate trusts its copy for REVOCATION_CACHE_SECONDS, then refreshes it in the background.
    expect(await status(warm, "/private", h.bearer(idToken))).toBe(200);
    h.advanceSeconds(11);
    await status(warm, "/private", h.bearer(idToken));
    expect(await status(warm, "/private", h.bearer(idToken))).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "signed_out" });
  });

  it("leaves the same user's other sessions and their tokens working", async () => {
    const h = await createHarness();
    const first = await signIn(h);
    const second = await signIn(h);
    expect(second.idToken).not.toBe(first.idToken);

    await first.browser.post("/auth/logout");

    expect(await status(h.fetch, "/private", h.bearer(first.idToken))).toBe(401);
    expect(await status(h.fetch, "/private", h.bearer(second.idToken))).toBe(200);
    expect(lastDecision(h)).toMatchObject({ outcome: "forwarded", sub: "user-123" });
    expect((await second.browser.visit("/private")).status).toBe(200);
  });

  it("is recorded in KV by its SHA-256 only, until its exp plus the clock leeway (at least KV's 60 s)", async () => {
    const h = await createHarness();
    const { browser, idToken } = await signIn(h);
    const exp = h.nowSeconds() + h.provider.idTokenLifetimeSeconds;
    await browser.post("/auth/logout");

    const listed = await workerEnv.AUTH_KV.list({ prefix: signedOutPrefix(ISSUER) });
    expect(listed.keys).toHaveLength(1);
    const [entry] = listed.keys;
    expect(entry!.name).toMatch(/^signed-out:https:\/\/issuer\.test#[A-Za-z0-9_-]{43}$/);
    expect(entry!.name).not.toContain(idToken.split(".")[2]);
    expect(entry!.metadata).toEqual({ until: exp + 30 });

    // Past exp + leeway the token is refused for what it is: expired.
    h.advanceSeconds(h.provider.idTokenLifetimeSeconds + 31);
    expect(await status(h.fetch, "/private", h.bearer(idToken))).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "expired" });
  });

  it("still signs the user out when KV cannot record it: this isolate refuses the token, others only through the fence", async () => {
    const real = workerEnv.AUTH_KV;
    // Through the platform's KV seam: only the sign-out records fail to be written.
    const kv = {
      get: real.get.bind(real),
      getWithMetadata: real.getWithMetadata.bind(real),
      delete: real.delete.bind(real),
      list: real.list.bind(real),
      put: (key: string, value: string, options?: KVNamespacePutOptions) =>
        key.startsWith("signed-out:")
          ? Promise.reject(new Error("KV PUT failed: 500 Internal Server Error"))
          : real.put(key, value, options),
    } as unknown as KVNamespace;
    for (const fence of [false, true]) {
      const h = await createHarness({ kv, fence });
      const { browser, idToken } = await signIn(h);
      expect((await browser.post("/auth/logout")).status).toBe(303);
      expect(h.events("signed_out_record_failed")).toHaveLength(1);
      expect(await status(h.fetch, "/private", h.bearer(idToken))).toBe(401);
      // Other isolates learn of it only through the revocation fence, when there is one.
      expect(await status(h.otherIsolate(), "/private", h.bearer(idToken))).toBe(fence ? 401 : 200);
    }
  });
});
