import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type DpopReplayStore, durableReplayStore } from "../../src/dpop/replay-store.ts";
import { dpopRequest, makeDpopKey, makeProof } from "../support/dpop-client.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type HarnessOptions, SITE } from "../support/harness.ts";

const ROUTES = [{ pattern: "/api/*", require_dpop: true }, { pattern: "*" }];

async function setup(options: HarnessOptions = {}) {
  const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES }, ...options });
  const key = await makeDpopKey();
  const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { cnf: { jkt: key.jkt } }));
  const proofFor = (path: string, jti?: string) =>
    makeProof(key, {
      htm: "GET",
      htu: `${SITE}${path}`,
      accessToken: token,
      iat: h.nowSeconds(),
      ...(jti === undefined ? {} : { jti }),
    });
  return { h, key, token, proofFor, lastDecision: () => h.events("decision").at(-1) };
}

/** A namespace whose objects fail every call, or never answer: the store is down. */
function brokenNamespace(mode: "throws" | "hangs"): DurableObjectNamespace<never> {
  const stub = {
    seen: () =>
      mode === "throws"
        ? Promise.reject(new Error("Durable Object reset because its code was updated"))
        : new Promise(() => {}),
  };
  return { idFromName: () => ({}), get: () => stub } as unknown as DurableObjectNamespace<never>;
}

describe("replayed DPoP proofs (RFC 9449 §11.1)", () => {
  it("refuses a proof whose jti was seen before, in the same isolate", async () => {
    const s = await setup();
    const proof = await s.proofFor("/api/orders");
    expect((await s.h.fetch("/api/orders", dpopRequest(s.token, proof))).status).toBe(200);
    const again = await s.h.fetch("/api/orders", dpopRequest(s.token, proof));
    expect(again.status).toBe(401);
    expect(again.headers.get("www-authenticate")).toMatch(
      /^DPoP realm="edge-auth", error="invalid_dpop_proof"/,
    );
    expect(s.lastDecision()).toMatchObject({ outcome: "refused", reason: "dpop_replayed" });
    expect(s.h.originCalls).toHaveLength(1);
  });

  it("refuses a proof replayed to another isolate: the Durable Object is shared, isolate memory is not", async () => {
    const s = await setup();
    const otherIsolate = s.h.otherIsolate();
    const proof = await s.proofFor("/api/orders");
    expect((await s.h.fetch("/api/orders", dpopRequest(s.token, proof))).status).toBe(200);
    const replayed = await otherIsolate("/api/orders", dpopRequest(s.token, proof));
    expect(replayed.status).toBe(401);
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_replayed" });
    // A new proof (new jti) from the same client is fine in either isolate.
    expect(
      (await otherIsolate("/api/orders", dpopRequest(s.token, await s.proofFor("/api/orders")))).status,
    ).toBe(200);
  });

  it("lets exactly one of two concurrent requests with the same proof through", async () => {
    const s = await setup();
    const proof = await s.proofFor("/api/orders");
    const otherIsolate = s.h.otherIsolate();
    const statuses = await Promise.all([
      s.h.fetch("/api/orders", dpopRequest(s.token, proof)),
      otherIsolate("/api/orders", dpopRequest(s.token, proof)),
    ]).then((responses) => responses.map((response) => response.status).sort());
    expect(statuses).toEqual([200, 401]);
  });

  it("remembers a jti per client key: another key's proof with the same jti is not a replay", async () => {
    const s = await setup();
    const other = await makeDpopKey();
    const otherToken = await signToken(
      s.h.issuer.keys[0]!,
      validClaims(s.h.nowSeconds(), { cnf: { jkt: other.jkt } }),
    );
    const jti = "shared-jti-0001";
    expect(
      (await s.h.fetch("/api/orders", dpopRequest(s.token, await s.proofFor("/api/orders", jti)))).status,
    ).toBe(200);
    const otherProof = await makeProof(other, {
      htm: "GET",
      htu: `${SITE}/api/orders`,
      accessToken: otherToken,
      iat: s.h.nowSeconds(),
      jti,
    });
    expect((await s.h.fetch("/api/orders", dpopRequest(otherToken, otherProof))).status).toBe(200);
  });

  it("does not record a proof that fails a check, so a later valid one with its jti passes", async () => {
    const s = await setup();
    const jti = "jti-after-a-bad-proof";
    const wrongPath = await s.proofFor("/api/other", jti);
    expect((await s.h.fetch("/api/orders", dpopRequest(s.token, wrongPath))).status).toBe(401);
    const right = await s.proofFor("/api/orders", jti);
    expect((await s.h.fetch("/api/orders", dpopRequest(s.token, right))).status).toBe(200);
  });
});

describe("an unreachable replay store fails closed", () => {
  for (const mode of ["throws", "hangs"] as const) {
    it(`answers 503 with Retry-After when the store ${mode}, on require_dpop routes and for cnf.jkt tokens elsewhere`, async () => {
      const store: DpopReplayStore = durableReplayStore(brokenNamespace(mode), 50);
      const s = await setup({ dpopReplay: store });
      for (const path of ["/api/orders", "/reports"]) {
        const res = await s.h.fetch(path, dpopRequest(s.token, await s.proofFor(path)));
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("30");
        expect(await res.json()).toEqual({ error: "temporarily_unavailable" });
        expect(s.lastDecision()).toMatchObject({ reason: "replay_store_unavailable" });
      }
      expect(s.h.originCalls).toHaveLength(0);
      // Plain bearer tokens never need the store.
      const plain = await signToken(s.h.issuer.keys[0]!, validClaims(s.h.nowSeconds()));
      expect((await s.h.fetch("/reports", s.h.bearer(plain))).status).toBe(200);
    });
  }

  it("refuses to start when a route requires DPoP and DPOP_REPLAY is not bound", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES, DPOP_REPLAY: undefined } });
    const res = await h.fetch("/api/orders");
    expect(res.status).toBe(500);
    const problems = h.events("misconfigured")[0]?.problems as string[];
    expect(problems).toEqual([
      expect.stringMatching(/^DPOP_REPLAY: is not bound, and AUTH_ROUTES\[0\] \("\/api\/\*"\) requires DPoP/),
    ]);
  });

  it("answers 503 for a cnf.jkt token when DPOP_REPLAY is not bound and no route requires DPoP", async () => {
    const h = await createHarness({ vars: { DPOP_REPLAY: undefined } });
    const key = await makeDpopKey();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { cnf: { jkt: key.jkt } }));
    const proof = await makeProof(key, {
      htm: "GET",
      htu: `${SITE}/reports`,
      accessToken: token,
      iat: h.nowSeconds(),
    });
    const res = await h.fetch("/reports", dpopRequest(token, proof));
    expect(res.status).toBe(503);
    expect(h.events("decision").at(-1)).toMatchObject({ reason: "replay_store_unavailable" });
  });
});

describe("the replay store's Durable Object", () => {
  it("answers fresh once per key and expiry, then replayed, then fresh again after the entry expired", async () => {
    const store = durableReplayStore(workerEnv.DPOP_REPLAY);
    const now = Date.UTC(2026, 10, 22, 12, 0, 0);
    const jti = crypto.randomUUID();
    expect(await store.check("jkt-a", jti, now + 90_000, now)).toBe("fresh");
    expect(await store.check("jkt-a", jti, now + 90_000, now + 1000)).toBe("replayed");
    expect(await store.check("jkt-a", jti, now + 200_000, now + 90_000)).toBe("fresh");
  });
});
