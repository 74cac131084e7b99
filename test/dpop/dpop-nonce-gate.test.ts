import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { dpopRequest, makeDpopKey, makeProof } from "../support/dpop-client.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type HarnessOptions, SITE } from "../support/harness.ts";

const ALGS = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519";
const NONCE_REQUIRED = `DPoP realm="edge-auth", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="${ALGS}"`;
const NONCE_NOT_CURRENT = `DPoP realm="edge-auth", error="use_dpop_nonce", error_description="The DPoP proof's nonce is not current; use the one in the DPoP-Nonce header", algs="${ALGS}"`;
const WINDOW = DEFAULTS.dpopNonceWindowSeconds;
const NONCE_SECRET = "test-only-dpop-nonce-secret-83c1e5a7f2d94b06";
const OTHER_NONCE_SECRET = "test-only-dpop-nonce-secret-2b9d4f61c0a87e35";
const ROUTES = [{ pattern: "/api/*", require_dpop: true }, { pattern: "*" }];

/** A gate with DPOP_NONCE = "required" (unless `vars` say otherwise), a client key and a token bound to it. */
async function setup(vars: Record<string, unknown> = {}, options: HarnessOptions = {}) {
  const h = await createHarness({
    ...options,
    vars: { AUTH_ROUTES: ROUTES, DPOP_NONCE: "required", DPOP_NONCE_SECRET: NONCE_SECRET, ...vars },
  });
  const key = await makeDpopKey();
  const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { cnf: { jkt: key.jkt } }));
  /** A fresh proof for GET /api/orders, with `nonce` when given. */
  const proof = (nonce?: unknown, jti?: string) =>
    makeProof(key, {
      htm: "GET",
      htu: `${SITE}/api/orders`,
      accessToken: token,
      iat: h.nowSeconds(),
      ...(jti === undefined ? {} : { jti }),
      ...(nonce === undefined ? {} : { claims: { nonce } }),
    });
  const call = async (nonce?: unknown, jti?: string) =>
    h.fetch("/api/orders", dpopRequest(token, await proof(nonce, jti)));
  /** Moves the frozen clock to the first second of the next nonce window. */
  const toNextWindow = () => h.advanceSeconds(WINDOW - (h.nowSeconds() % WINDOW));
  const lastDecision = () => h.events("decision").at(-1);
  return { h, key, token, proof, call, toNextWindow, lastDecision };
}

/** The nonce a gate hands out now: what a proof without one is answered with. */
async function nonceFrom(s: Awaited<ReturnType<typeof setup>>): Promise<string> {
  const res = await s.call();
  expect(res.status).toBe(401);
  return res.headers.get("dpop-nonce") as string;
}

/** A GET of `path` with the bound token and a proof without a nonce, made for `htm` and that path. */
async function fetchWithoutNonce(s: Awaited<ReturnType<typeof setup>>, path: string, htm: string) {
  const proof = await makeProof(s.key, {
    htm,
    htu: `${SITE}${path}`,
    accessToken: s.token,
    iat: s.h.nowSeconds(),
  });
  return s.h.fetch(path, dpopRequest(s.token, proof));
}

async function expectNonceChallenge(
  s: Awaited<ReturnType<typeof setup>>,
  res: Response,
  reason: "dpop_nonce_required" | "dpop_nonce_invalid",
) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(
    reason === "dpop_nonce_required" ? NONCE_REQUIRED : NONCE_NOT_CURRENT,
  );
  expect(res.headers.get("dpop-nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await res.json()).toEqual({ error: "use_dpop_nonce" });
  expect(s.h.originCalls).toHaveLength(0);
  expect(s.lastDecision()).toMatchObject({ outcome: "refused", reason, sub: "user-123" });
}

describe('DPOP_NONCE = "required": resource server nonces (RFC 9449 §9, the challenge of §8.1)', () => {
  it("answers a proof without a nonce with 401 use_dpop_nonce and a DPoP-Nonce header", async () => {
    const s = await setup();
    await expectNonceChallenge(s, await s.call(), "dpop_nonce_required");
  });

  it("forwards the retry whose proof carries the nonce it was given, with no new nonce (§9)", async () => {
    const s = await setup();
    const nonce = await nonceFrom(s);
    const res = await s.call(nonce);
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).toBeNull();
    expect(s.h.originCalls).toHaveLength(1);
    expect(s.lastDecision()).toMatchObject({ outcome: "forwarded", credential: "bearer" });
  });

  it("accepts a nonce from another isolate of the deployment: nonces are stateless", async () => {
    const s = await setup();
    const nonce = await nonceFrom(s);
    const other = s.h.otherIsolate();
    const res = await other("/api/orders", dpopRequest(s.token, await s.proof(nonce)));
    expect(res.status).toBe(200);
  });

  it("accepts a nonce of the previous window and hands out the current one with the response (§8.2, §9)", async () => {
    const s = await setup();
    const nonce = await nonceFrom(s);
    s.toNextWindow();
    const res = await s.call(nonce);
    expect(res.status).toBe(200);
    const next = res.headers.get("dpop-nonce");
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next).not.toBe(nonce);
    const again = await s.call(next);
    expect(again.status).toBe(200);
    expect(again.headers.get("dpop-nonce")).toBeNull();
  });

  it("refuses a nonce two windows old with use_dpop_nonce and a new nonce (§9)", async () => {
    const s = await setup();
    const nonce = await nonceFrom(s);
    s.toNextWindow();
    s.toNextWindow();
    const res = await s.call(nonce);
    const fresh = res.headers.get("dpop-nonce");
    await expectNonceChallenge(s, res, "dpop_nonce_invalid");
    expect(fresh).not.toBe(nonce);
    expect((await s.call(fresh)).status).toBe(200);
  });

  it("refuses a forged nonce: one character changed, an empty string, a number", async () => {
    const s = await setup();
    const nonce = await nonceFrom(s);
    const forged = `${nonce.slice(0, 10)}${nonce[10] === "A" ? "B" : "A"}${nonce.slice(11)}`;
    for (const bad of [forged, "", 12345])
      await expectNonceChallenge(s, await s.call(bad), "dpop_nonce_invalid");
  });

  it("refuses a nonce made by a deployment with another DPOP_NONCE_SECRET", async () => {
    const elsewhere = await setup({ DPOP_NONCE_SECRET: OTHER_NONCE_SECRET });
    const foreign = await nonceFrom(elsewhere);
    const s = await setup();
    await expectNonceChallenge(s, await s.call(foreign), "dpop_nonce_invalid");
  });

  it("makes its nonces with SESSION_SECRET when DPOP_NONCE_SECRET is not set", async () => {
    const s = await setup({ DPOP_NONCE_SECRET: undefined });
    const nonce = await nonceFrom(s);
    expect((await s.call(nonce)).status).toBe(200);
    const withOwnSecret = await setup();
    await expectNonceChallenge(withOwnSecret, await withOwnSecret.call(nonce), "dpop_nonce_invalid");
  });

  it("checks the proof before its nonce: a bad proof without a nonce is invalid_dpop_proof", async () => {
    const s = await setup();
    // A GET request with a proof made for POST, and no nonce.
    const res = await fetchWithoutNonce(s, "/api/orders", "POST");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_dpop_proof"');
    expect(res.headers.get("dpop-nonce")).toBeNull();
  });

  it("does not record the jti of a proof refused for its nonce in the replay store (§11.1)", async () => {
    const s = await setup();
    const nonce = await nonceFrom(s);
    await expectNonceChallenge(s, await s.call(undefined, "jti-once"), "dpop_nonce_required");
    expect((await s.call(nonce, "jti-once")).status).toBe(200);
    expect(s.lastDecision()).toMatchObject({ outcome: "forwarded" });
    const replay = await s.call(nonce, "jti-once");
    expect(replay.status).toBe(401);
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_replayed" });
  });

  it("asks for a nonce at /auth/whoami as at the gate", async () => {
    const s = await setup();
    const res = await fetchWithoutNonce(s, "/auth/whoami", "GET");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(NONCE_REQUIRED);
    expect(res.headers.get("dpop-nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("leaves plain bearer tokens alone: no proof, no nonce", async () => {
    const s = await setup();
    const plain = await signToken(s.h.issuer.keys[0]!, validClaims(s.h.nowSeconds()));
    const res = await s.h.fetch("/reports", s.h.bearer(plain));
    expect(res.status).toBe(200);
    expect(res.headers.get("dpop-nonce")).toBeNull();
  });
});

describe("DPOP_NONCE off (the default): nonces are neither asked for nor checked", () => {
  it("forwards proofs without a nonce and with any nonce, and hands out none", async () => {
    for (const vars of [{ DPOP_NONCE: undefined }, { DPOP_NONCE: "off" }]) {
      const s = await setup(vars);
      for (const nonce of [undefined, "not-a-nonce-of-ours", 7]) {
        const res = await s.call(nonce);
        expect(res.status).toBe(200);
        expect(res.headers.get("dpop-nonce")).toBeNull();
      }
    }
  });
});
