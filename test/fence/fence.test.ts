import { describe, expect, it } from "vitest";
import { checkWorkerEnv } from "../../src/config/check-env.ts";
import { recordSessionEnd } from "../../src/fence/record-session-end.ts";
import { createIsolateState, type IsolateState } from "../../src/isolate-state.ts";
import type { Runtime } from "../../src/platform.ts";
import { Browser } from "../support/browser.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness, HEALTH_DETAIL } from "../support/harness.ts";

/** REVOCATION_ADMIN_TOKEN for tests only. */
const ADMIN_TOKEN = "test-only-revocation-admin-token-5b8e2f7c";
const INTERVAL_MS = 500;

async function status(fetcher: Harness["fetch"], path: string, init?: RequestInit): Promise<number> {
  const response = await fetcher(path, init);
  await response.arrayBuffer();
  return response.status;
}

function revoke(h: Harness, body: unknown, token = ADMIN_TOKEN): Promise<Response> {
  return h.fetch("/auth/revoke", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function tokenFor(h: Harness, claims: Record<string, unknown> = {}): Promise<string> {
  return signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), claims));
}

/** A third isolate's own state and runtime over the harness's KV, fence and clock (for recordSessionEnd). */
function isolateOf(h: Harness): { state: IsolateState; rt: Runtime } {
  const config = checkWorkerEnv(h.env).config;
  if (!config.ok) throw new Error("the harness configuration does not load");
  const rt: Runtime = {
    now: () => h.clock.nowMs,
    fetch: () => Promise.reject(new Error("no fetch expected")),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    log: (line) => h.logs.push({ ...line }),
    kv: h.env.AUTH_KV,
    waitUntil: () => {},
    ...(h.fence ? { fence: h.fence.client } : {}),
  };
  return { state: createIsolateState(config.value), rt };
}

function lastDecision(h: Harness): Record<string, unknown> | undefined {
  return h.events("decision").at(-1);
}

describe("the revocation fence", () => {
  it("makes a warm isolate refuse a signed-out session's ID token and cookie within REVOCATION_FENCE_INTERVAL_MS", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    expect((await browser.signIn("/private")).status).toBe(303);
    const idToken = h.provider.issuedIdTokens.at(-1)!;
    const warm = h.otherIsolate();
    const cookie = { headers: { cookie: browser.cookieHeader() } };
    expect(await status(warm, "/private", h.bearer(idToken))).toBe(200);
    expect(await status(warm, "/private", cookie)).toBe(200);

    expect((await browser.post("/auth/logout")).status).toBe(303);

    // Within the interval the warm isolate has not asked the fence again…
    h.advanceSeconds((INTERVAL_MS - 1) / 1000);
    expect(await status(warm, "/private", h.bearer(idToken))).toBe(200);
    // …and the first request after it asks, and is refused: long before KV's list would be read.
    h.advanceSeconds(1 / 1000);
    expect(await status(warm, "/private", h.bearer(idToken))).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "signed_out", credential: "bearer" });
    // The session, still in the warm isolate's memory, is refused too, and its cookie forgotten.
    const response = await warm("/private", cookie);
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "signed_out", credential: "session" });
  });

  it("asks the fence at most once per interval per isolate, and not at all in between", async () => {
    const h = await createHarness();
    const token = await tokenFor(h);
    for (let i = 0; i < 10; i++) expect(await status(h.fetch, "/private", h.bearer(token))).toBe(200);
    expect(h.fence!.calls.changesSince).toBe(1);
    h.advanceSeconds(INTERVAL_MS / 1000);
    for (let i = 0; i < 10; i++) await status(h.fetch, "/private", h.bearer(token));
    expect(h.fence!.calls.changesSince).toBe(2);
  });

  it("records a revocation posted to /auth/revoke, refused by every isolate within the interval, and lifts it", async () => {
    const h = await createHarness({ vars: { REVOCATION_ADMIN_TOKEN: ADMIN_TOKEN } });
    const token = await tokenFor(h, { sub: "mallory" });
    const other = h.otherIsolate();
    expect(await status(other, "/private", h.bearer(token))).toBe(200);

    const recorded = await revoke(h, { type: "sub", value: "mallory", expiresAt: h.nowSeconds() + 3600 });
    expect(recorded.status).toBe(200);
    expect(recorded.headers.get("cache-control")).toBe("private, no-store");
    expect(await recorded.json()).toEqual({ recorded: true, version: 1 });

    h.advanceSeconds(INTERVAL_MS / 1000);
    expect(await status(other, "/private", h.bearer(token))).toBe(401);
    expect(lastDecision(h)).toMatchObject({
      reason: "revoked",
      detail: "revoked by a sub entry",
      sub: "mallory",
    });

    expect((await revoke(h, { type: "sub", value: "mallory", lift: true })).status).toBe(200);
    h.advanceSeconds(INTERVAL_MS / 1000);
    expect(await status(other, "/private", h.bearer(token))).toBe(200);
  });

  it("refuses /auth/revoke without REVOCATION_ADMIN_TOKEN, and bodies that are not one revocation", async () => {
    const unset = await createHarness();
    const body = { type: "sub", value: "x", expiresAt: unset.nowSeconds() + 60 };
    const refused = await revoke(unset, body);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth"');

    const h = await createHarness({ vars: { REVOCATION_ADMIN_TOKEN: ADMIN_TOKEN } });
    expect((await revoke(h, body, `${ADMIN_TOKEN}x`)).status).toBe(401);
    const bad = [
      { ...body, type: "email" },
      { ...body, value: "" },
      { ...body, expiresAt: h.nowSeconds() - 1 },
      { ...body, expiresAt: "tomorrow" },
      { ...body, lift: "yes" },
      ["sub", "x"],
    ];
    for (const wrong of bad) {
      const response = await revoke(h, wrong);
      expect(response.status, JSON.stringify(wrong)).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_request" });
    }
    expect(h.fence!.calls.record).toBe(0);
    const get = await h.fetch("/auth/revoke");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("ends sessions by sid or sub for every isolate: tokens issued before are refused, a new sign-in works", async () => {
    const h = await createHarness();
    const bySid = await tokenFor(h, { sid: "session-7" });
    const bySub = await tokenFor(h, { sub: "grace" });
    const other = h.otherIsolate();
    expect(await status(other, "/private", h.bearer(bySid))).toBe(200);
    expect(await status(other, "/private", h.bearer(bySub))).toBe(200);

    const { state, rt } = isolateOf(h);
    expect(await recordSessionEnd(rt, state, { sid: "session-7" })).toEqual({ fence: true, kv: true });
    await recordSessionEnd(rt, state, { sub: "grace" });

    h.advanceSeconds(2);
    expect(await status(other, "/private", h.bearer(bySid))).toBe(401);
    expect(await status(other, "/private", h.bearer(bySub))).toBe(401);
    const later = await tokenFor(h, { sub: "grace" });
    expect(await status(other, "/private", h.bearer(later))).toBe(200);
  });

  it("records session ends by sid and sub in KV too, which isolates read when there is no fence", async () => {
    const h = await createHarness({ fence: false });
    const bySid = await tokenFor(h, { sid: "session-9" });
    const bySub = await tokenFor(h, { sub: "heidi" });
    const { state, rt } = isolateOf(h);
    const { fence: _unbound, ...kvOnly } = rt;
    expect(await recordSessionEnd(kvOnly, state, { sid: "session-9", sub: "heidi" })).toEqual({
      fence: false,
      kv: true,
    });
    h.advanceSeconds(1);
    // A new isolate lists the sign-outs (and these session ends) from KV before its first request.
    const fresh = h.otherIsolate();
    expect(await status(fresh, "/private", h.bearer(bySid))).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "revoked by a sid entry" });
    expect(await status(fresh, "/private", h.bearer(bySub))).toBe(401);
    expect(await status(fresh, "/private", h.bearer(await tokenFor(h, { sub: "heidi" })))).toBe(200);
  });

  it("falls back to KV's view when the fence is down or does not answer in time, logging fence_unavailable", async () => {
    const h = await createHarness({ vars: { REVOCATION_FENCE_TIMEOUT_MS: 20 } });
    const token = await tokenFor(h);
    h.fence!.faults.down = true;
    expect(await status(h.fetch, "/private", h.bearer(token))).toBe(200);
    expect(h.events("fence_unavailable")).toHaveLength(1);
    expect(h.events("fence_unavailable")[0]).toMatchObject({
      problem: expect.stringContaining("overloaded"),
    });

    h.fence!.faults.down = false;
    h.fence!.faults.hang = true;
    h.advanceSeconds(INTERVAL_MS / 1000);
    expect(await status(h.fetch, "/private", h.bearer(token))).toBe(200);
    expect(h.events("fence_unavailable")[1]).toMatchObject({ problem: "timed out after 20 ms" });
    // Not asked again within the interval: one slow fence costs one request per interval its timeout.
    expect(await status(h.fetch, "/private", h.bearer(token))).toBe(200);
    expect(h.events("fence_unavailable")).toHaveLength(2);
  });

  it("refuses identified requests with 503 fence_unavailable while the fence is down, with REVOCATION_FENCE_REQUIRED", async () => {
    const h = await createHarness({ vars: { REVOCATION_FENCE_REQUIRED: true } });
    const token = await tokenFor(h);
    h.fence!.faults.down = true;
    const response = await h.fetch("/private", h.bearer(token));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(lastDecision(h)).toMatchObject({
      outcome: "refused",
      reason: "fence_unavailable",
      sub: "user-123",
    });
    expect(await status(h.fetch, "/public/x")).toBe(200);

    h.fence!.faults.down = false;
    h.advanceSeconds(INTERVAL_MS / 1000);
    expect(await status(h.fetch, "/private", h.bearer(token))).toBe(200);
  });

  it("shows the isolate's fence copy in /auth/health: version, events and the last check", async () => {
    const h = await createHarness({ vars: { REVOCATION_ADMIN_TOKEN: ADMIN_TOKEN } });
    await revoke(h, { type: "sid", value: "s-1", expiresAt: h.nowSeconds() + 60 });
    const health = await h.fetch("/auth/health", HEALTH_DETAIL);
    const body = (await health.json()) as { revocations: Record<string, unknown> };
    expect(body.revocations.fence).toEqual({
      version: 1,
      events: 1,
      lastCheck: { outcome: "ok", at: new Date(h.clock.nowMs).toISOString() },
    });
  });

  it("works without the binding as before: revocations through KV alone", async () => {
    const h = await createHarness({ fence: false });
    const token = await tokenFor(h);
    expect(await status(h.fetch, "/private", h.bearer(token))).toBe(200);
    expect(h.events("fence_unavailable")).toHaveLength(0);
  });
});
