import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type RevocationEntry, revocationKey } from "../../src/revocation/revocation-document.ts";
import { ISSUER, makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness, HEALTH_DETAIL } from "../support/harness.ts";
import { stallingKv } from "../support/kv.ts";

const KEY = revocationKey(ISSUER);

async function revoke(h: Harness, ...entries: Partial<RevocationEntry>[]): Promise<void> {
  const now = h.nowSeconds();
  const document = {
    version: 1,
    issuer: ISSUER,
    updatedAt: now,
    entries: entries.map((entry) => ({
      type: "sub",
      value: "user-123",
      createdAt: now,
      expiresAt: now + 3600,
      ...entry,
    })),
  };
  await workerEnv.AUTH_KV.put(KEY, JSON.stringify(document));
}

function revocationReads(h: Harness): number {
  return h.kvReads.filter((key) => key === KEY).length;
}

function lastDecision(h: Harness): Record<string, unknown> | undefined {
  return h.logs.filter((line) => line.event === "decision").at(-1);
}

describe("emergency revocation", () => {
  it("refuses a token whose subject is revoked with 401 invalid_token and logs and counts the reason", async () => {
    const h = await createHarness();
    await revoke(h, { type: "sub", value: "user-123" });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
    expect(h.originCalls).toHaveLength(0);
    expect(lastDecision(h)).toMatchObject({
      outcome: "refused",
      reason: "revoked",
      detail: "revoked by a sub entry",
      sub: "user-123",
      kid: "rsa-1",
    });
    expect(h.metrics!.decisions().at(-1)).toMatchObject({
      outcome: "refused",
      reason: "revoked",
      status: 401,
    });
    const other = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { sub: "user-456" }));
    expect((await h.fetch("/private", h.bearer(other))).status).toBe(200);
  });

  it("refuses a token carrying a revoked session id (sid)", async () => {
    const h = await createHarness();
    await revoke(h, { type: "sid", value: "08a5019c-17e1-4977-8f42-65a12843ea02" });
    const now = h.nowSeconds();
    const revoked = await signToken(
      h.issuer.keys[0]!,
      validClaims(now, { sid: "08a5019c-17e1-4977-8f42-65a12843ea02" }),
    );
    const fine = await signToken(h.issuer.keys[0]!, validClaims(now, { sid: "another-session" }));
    expect((await h.fetch("/private", h.bearer(revoked))).status).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "revoked by a sid entry" });
    expect((await h.fetch("/private", h.bearer(fine))).status).toBe(200);
  });

  it("refuses tokens signed with a revoked key (without a kid header the key is never tried) and keeps the others", async () => {
    const h = await createHarness();
    const second = await makeSigningKey("RS256", "rsa-2");
    h.issuer.keys.push(second);
    await revoke(h, { type: "kid", value: "rsa-1" });
    const now = h.nowSeconds();
    const named = await signToken(h.issuer.keys[0]!, validClaims(now));
    expect((await h.fetch("/private", h.bearer(named))).status).toBe(401);
    expect(lastDecision(h)).toMatchObject({
      reason: "revoked",
      detail: "revoked by a kid entry",
      kid: "rsa-1",
    });
    const unnamed = await signToken(h.issuer.keys[0]!, validClaims(now), { kid: undefined });
    expect((await h.fetch("/private", h.bearer(unnamed))).status).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "bad_signature" });
    expect((await h.fetch("/private", h.bearer(await signToken(second, validClaims(now))))).status).toBe(200);
  });

  it("with issuedBefore refuses the tokens out there but lets the user sign in again", async () => {
    const h = await createHarness();
    const now = h.nowSeconds();
    await revoke(h, { type: "sub", value: "user-123", issuedBefore: now });
    const leaked = await signToken(h.issuer.keys[0]!, validClaims(now - 60));
    const fresh = await signToken(h.issuer.keys[0]!, validClaims(now + 5));
    expect((await h.fetch("/private", h.bearer(leaked))).status).toBe(401);
    expect((await h.fetch("/private", h.bearer(fresh))).status).toBe(200);
  });

  it("stops refusing when the entry expires", async () => {
    const h = await createHarness();
    await revoke(h, { type: "sub", value: "user-123", expiresAt: h.nowSeconds() + 120 });
    const token = () => signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(await token()))).status).toBe(401);
    h.clock.nowMs += 121_000;
    expect((await h.fetch("/private", h.bearer(await token()))).status).toBe(200);
  });

  it("reads KV once on a cold isolate and never again per request while the document is fresh", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    let readsAfterFirst = 0;
    for (let i = 0; i < 25; i++) {
      expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
      if (i === 0) readsAfterFirst = h.kvReads.length; // the cold isolate also looks for keys in KV
      h.clock.nowMs += 300; // 25 requests over 7.5 s, inside the 10 s cache
    }
    expect(revocationReads(h)).toBe(1);
    expect(h.kvReads).toHaveLength(readsAfterFirst);
  });

  it("after REVOCATION_CACHE_SECONDS serves the cached document and refreshes it once in the background", async () => {
    // KV's document alone (test/fence covers the fence, which a request may wait for meanwhile).
    const h = await createHarness({ vars: { REVOCATION_CACHE_SECONDS: 5 }, fence: false });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    await revoke(h, { type: "sub", value: "user-123" });
    h.clock.nowMs += 5_000;
    // This request still sees the old document (no waiting on KV) and starts the one refresh.
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    expect(revocationReads(h)).toBe(2);
    // From the next request on, the revocation holds: within one cache interval of the KV write.
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
    expect(revocationReads(h)).toBe(2);
  });

  it("waits for KV rather than trust a document older than a minute (an idle isolate)", async () => {
    const h = await createHarness();
    const token = () => signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(await token()))).status).toBe(200);
    await revoke(h, { type: "sub", value: "user-123" });
    h.clock.nowMs += 60_000;
    expect((await h.fetch("/private", h.bearer(await token()))).status).toBe(401);
  });

  it("past the limit one request waits for a stalled KV while the others go on with the document held", async () => {
    const { kv: stalling, stalls } = stallingKv(workerEnv.AUTH_KV);
    let documentReads = 0;
    const kv = {
      get: (key: string, type?: "text") => {
        if (key === KEY) documentReads++;
        return stalling.get(key, type as "text");
      },
      getWithMetadata: (key: string, type?: "text") => stalling.getWithMetadata(key, type as "text"),
      put: (key: string, value: string, options?: KVNamespacePutOptions) => stalling.put(key, value, options),
      delete: (key: string) => stalling.delete(key),
      list: (options?: KVNamespaceListOptions) => stalling.list(options),
    } as unknown as KVNamespace;
    const h = await createHarness({ kv });
    await revoke(h, { type: "sub", value: "someone-else" });
    const token = () => signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(await token()))).status).toBe(200);
    h.clock.nowMs += 61_000;
    stalls.reads = true;
    const bearers = await Promise.all([1, 2, 3, 4].map(async () => h.bearer(await token())));
    const waiting = h.fetch("/private", bearers[0]!);
    const others = await Promise.all(bearers.slice(1).map((bearer) => h.fetch("/private", bearer)));
    expect(others.map((res) => res.status)).toEqual([200, 200, 200]);
    expect((await waiting).status).toBe(200);
    // The cold read, then one read past the limit: not one per request.
    expect(documentReads).toBe(2);
  });

  it("fails open when KV cannot be read on a cold isolate, logs it, and retries once per interval", async () => {
    const h = await createHarness();
    await revoke(h, { type: "sub", value: "user-123" });
    h.kvFaults.failReads = true;
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    expect(revocationReads(h)).toBe(1);
    expect(h.logs.find((line) => line.event === "revocation_load_failed")).toEqual({
      event: "revocation_load_failed",
      issuer: ISSUER,
      outcome: "kv_error",
      problem: expect.stringMatching(/^Error/),
      using: "no revocations (fail open)",
    });
    h.kvFaults.failReads = false;
    h.clock.nowMs += 10_000;
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
  });

  it("keeps the last good document when KV fails or holds something unreadable", async () => {
    const h = await createHarness({ vars: { REVOCATION_CACHE_SECONDS: 5 } });
    await revoke(h, { type: "sub", value: "user-123" });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
    await workerEnv.AUTH_KV.put(KEY, "{not json");
    h.clock.nowMs += 5_000;
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
    expect(h.logs.find((line) => line.event === "revocation_load_failed")).toMatchObject({
      outcome: "invalid",
      problem: "not JSON",
      using: "the previous document",
    });
    h.kvFaults.failReads = true;
    h.clock.nowMs += 70_000;
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
    const refusals = h.logs.filter((line) => line.event === "decision").map((line) => line.reason);
    expect(refusals).toEqual(["revoked", "revoked", "revoked"]);
  });

  it("shows the revocation document's state in the health document", async () => {
    const h = await createHarness({ fence: false });
    await revoke(h, { type: "sub", value: "user-123" }, { type: "kid", value: "old" });
    const body = (await (await h.fetch("/auth/health", HEALTH_DETAIL)).json()) as { revocations: unknown };
    expect(body.revocations).toEqual({
      loaded: true,
      entries: 2,
      ageSeconds: 0,
      lastLoad: { outcome: "ok", at: "2026-11-22T12:00:00.000Z" },
    });
  });
});
