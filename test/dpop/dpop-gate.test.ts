import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { encodeBase64Url } from "../../src/jwt/base64url.ts";
import {
  type DpopKey,
  dpopRequest,
  makeDpopKey,
  makeProof,
  type ProofOptions,
} from "../support/dpop-client.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type HarnessOptions, SITE } from "../support/harness.ts";

const ALGS = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519";
const INVALID_PROOF = `DPoP realm="edge-auth", error="invalid_dpop_proof", algs="${ALGS}"`;
const ROUTES = [
  { pattern: "/public/*", access: "public" },
  { pattern: "/api/*", require_dpop: true },
  { pattern: "*" },
];

/** A gate with a `require_dpop` route, a client key, and an ID token bound to that key (`cnf.jkt`). */
async function setup(options: HarnessOptions = {}) {
  const h = await createHarness({ vars: { AUTH_ROUTES: ROUTES }, ...options });
  const key = await makeDpopKey();
  const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { cnf: { jkt: key.jkt } }));
  const proof = (overrides: Partial<ProofOptions> = {}, by: DpopKey = key) =>
    makeProof(by, {
      htm: "GET",
      htu: `${SITE}/api/orders`,
      accessToken: token,
      iat: h.nowSeconds(),
      ...overrides,
    });
  const lastDecision = () => h.events("decision").at(-1);
  return { h, key, token, proof, lastDecision };
}

async function expectInvalidProof(s: Awaited<ReturnType<typeof setup>>, res: Response, detail: RegExp) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(INVALID_PROOF);
  expect(await res.json()).toEqual({ error: "invalid_dpop_proof" });
  expect(s.h.originCalls).toHaveLength(0);
  expect(s.lastDecision()).toMatchObject({ outcome: "refused", reason: "dpop_proof_invalid" });
  expect(String(s.lastDecision()?.detail)).toMatch(detail);
}

describe("DPoP-bound tokens with a valid proof (RFC 9449 §4.3, §7.1)", () => {
  it("forwards a DPoP-bound token with a valid proof, without the Authorization and DPoP headers", async () => {
    const s = await setup();
    const res = await s.h.fetch("/api/orders", dpopRequest(s.token, await s.proof()));
    expect(res.status).toBe(200);
    const call = s.h.originCalls[0]!;
    expect(call.headers.get("x-auth-sub")).toBe("user-123");
    expect(call.headers.get("authorization")).toBeNull();
    expect(call.headers.get("dpop")).toBeNull();
    expect(s.lastDecision()).toMatchObject({ outcome: "forwarded", credential: "bearer" });
  });

  it("accepts a DPoP-bound token on a route that does not require DPoP, with its proof", async () => {
    const s = await setup();
    const htu = `${SITE}/reports`;
    const res = await s.h.fetch("/reports", dpopRequest(s.token, await s.proof({ htu })));
    expect(res.status).toBe(200);
  });

  it("ignores the query and compares htu after the router's normalisation (RFC 9449 §4.3 check 9)", async () => {
    const s = await setup();
    const proof = await s.proof({ htu: "HTTPS://Site.Test:443/api//%6Frders?ignored=1#frag" });
    const res = await s.h.fetch("/api/orders?page=2", dpopRequest(s.token, proof));
    expect(res.status).toBe(200);
  });

  it("accepts proofs signed with EdDSA and PS256 keys", async () => {
    for (const alg of ["EdDSA", "PS256"]) {
      const s = await setup();
      const key = await makeDpopKey(alg);
      const token = await signToken(
        s.h.issuer.keys[0]!,
        validClaims(s.h.nowSeconds(), { cnf: { jkt: key.jkt } }),
      );
      const proof = await makeProof(key, {
        htm: "POST",
        htu: `${SITE}/api/orders`,
        accessToken: token,
        iat: s.h.nowSeconds(),
      });
      const res = await s.h.fetch("/api/orders", dpopRequest(token, proof, { method: "POST", body: "{}" }));
      expect(res.status).toBe(200);
    }
  });
});

describe("hostile DPoP proofs are refused with invalid_dpop_proof (RFC 9449 §4.3, §7.1)", () => {
  it("refuses a proof whose htm is not the request's method (§4.3 check 8)", async () => {
    const s = await setup();
    const res = await s.h.fetch("/api/orders", dpopRequest(s.token, await s.proof({ htm: "POST" })));
    await expectInvalidProof(s, res, /htm/);
  });

  it("refuses a proof whose htu names another host (§4.3 check 9)", async () => {
    const s = await setup();
    const proof = await s.proof({ htu: "https://elsewhere.test/api/orders" });
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, proof)), /htu/);
  });

  it("refuses a proof whose htu names another path (§4.3 check 9)", async () => {
    const s = await setup();
    const proof = await s.proof({ htu: `${SITE}/api/other` });
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, proof)), /htu/);
  });

  it("refuses a proof whose htu is another scheme, has user information, or is not a URL (§4.3 check 9)", async () => {
    const s = await setup();
    for (const htu of ["http://site.test/api/orders", "https://user@site.test/api/orders", "/api/orders"]) {
      const res = await s.h.fetch("/api/orders", dpopRequest(s.token, await s.proof({ htu })));
      await expectInvalidProof(s, res, /htu/);
    }
  });

  it("refuses a proof whose ath is not the hash of the token sent (§4.3 check 10)", async () => {
    const s = await setup();
    const proof = await s.proof({ accessToken: `${s.token}x` });
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, proof)), /ath/);
    const without = await s.proof({ claims: { ath: undefined } });
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, without)), /ath/);
  });

  it("refuses a proof that carries its private key in the jwk header (§4.3 check 5)", async () => {
    const s = await setup();
    const proof = await s.proof({ header: { jwk: s.key.privateJwk } });
    await expectInvalidProof(
      s,
      await s.h.fetch("/api/orders", dpopRequest(s.token, proof)),
      /private member d/,
    );
  });

  it("refuses a proof with a symmetric jwk header (§4.3 check 5)", async () => {
    const s = await setup();
    const proof = await s.proof({ header: { jwk: { kty: "oct", k: "c2VjcmV0LXNlY3JldC1zZWNyZXQ" } } });
    await expectInvalidProof(
      s,
      await s.h.fetch("/api/orders", dpopRequest(s.token, proof)),
      /private member k/,
    );
  });

  it("refuses a proof with alg none or HS256 (§4.3 check 4)", async () => {
    const s = await setup();
    const encode = (value: unknown) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(value)));
    const claims = { jti: "n-1", htm: "GET", htu: `${SITE}/api/orders`, iat: s.h.nowSeconds() };
    const none = `${encode({ alg: "none", typ: "dpop+jwt", jwk: s.key.publicJwk })}.${encode(claims)}.`;
    await expectInvalidProof(
      s,
      await s.h.fetch("/api/orders", dpopRequest(s.token, none)),
      /alg_not_allowed/,
    );
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "dpop+jwt", jwk: s.key.publicJwk })
      .sign(new TextEncoder().encode("a-shared-secret-of-thirty-two-bytes!"));
    await expectInvalidProof(
      s,
      await s.h.fetch("/api/orders", dpopRequest(s.token, hs256)),
      /alg_not_allowed/,
    );
  });

  it("refuses a proof whose typ is not dpop+jwt, or has none (§4.3 check 4)", async () => {
    const s = await setup();
    for (const typ of ["JWT", "at+jwt", undefined]) {
      const proof = await s.proof({ header: { typ } });
      await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, proof)), /typ/);
    }
  });

  it("refuses a proof signed by a key other than its jwk header's (§4.3 check 6)", async () => {
    const s = await setup();
    const other = await makeDpopKey();
    const proof = await s.proof({ header: { jwk: s.key.publicJwk } }, other);
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, proof)), /signature/);
  });

  it("refuses two DPoP headers (§4.3 check 1)", async () => {
    const s = await setup();
    const headers = new Headers({ authorization: `DPoP ${s.token}` });
    headers.append("dpop", await s.proof());
    headers.append("dpop", await s.proof());
    await expectInvalidProof(s, await s.h.fetch("/api/orders", { headers }), /more than one/);
  });

  it("refuses a stale and a future iat beyond the window and leeway (§4.3 check 11)", async () => {
    const s = await setup();
    const stale = await s.proof({ iat: s.h.nowSeconds() - 91 });
    await expectInvalidProof(
      s,
      await s.h.fetch("/api/orders", dpopRequest(s.token, stale)),
      /iat is too old/,
    );
    const future = await s.proof({ iat: s.h.nowSeconds() + 91 });
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, future)), /future/);
    const edge = await s.proof({ iat: s.h.nowSeconds() - 90 });
    expect((await s.h.fetch("/api/orders", dpopRequest(s.token, edge))).status).toBe(200);
  });

  it("refuses a proof without a jti (§4.3 check 7)", async () => {
    const s = await setup();
    const proof = await s.proof({ claims: { jti: undefined } });
    await expectInvalidProof(s, await s.h.fetch("/api/orders", dpopRequest(s.token, proof)), /jti/);
  });
});

describe("binding and downgrade (RFC 9449 §6.1, §7.1, §7.2)", () => {
  it("refuses a proof by a key whose thumbprint is not the token's cnf.jkt (§6.1)", async () => {
    const s = await setup();
    const other = await makeDpopKey();
    const res = await s.h.fetch("/api/orders", dpopRequest(s.token, await s.proof({}, other)));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(INVALID_PROOF);
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_binding_mismatch" });
  });

  it("refuses a DPoP-bound token sent as Bearer, on any route (§7.2 downgrade)", async () => {
    const s = await setup();
    for (const path of ["/api/orders", "/reports"]) {
      const res = await s.h.fetch(path, s.h.bearer(s.token, { dpop: await s.proof() }));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe(
        `DPoP realm="edge-auth", error="invalid_token", algs="${ALGS}"`,
      );
      expect(s.lastDecision()).toMatchObject({ reason: "dpop_downgrade", sub: "user-123" });
    }
    expect(s.h.originCalls).toHaveLength(0);
  });

  it("refuses a bearer-only token on a require_dpop route, and accepts it elsewhere (§7.1)", async () => {
    const s = await setup();
    const plain = await signToken(s.h.issuer.keys[0]!, validClaims(s.h.nowSeconds()));
    const res = await s.h.fetch("/api/orders", s.h.bearer(plain));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `DPoP realm="edge-auth", error="invalid_token", algs="${ALGS}"`,
    );
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_required" });
    expect((await s.h.fetch("/reports", s.h.bearer(plain))).status).toBe(200);
  });

  it("refuses a token without cnf sent with the DPoP scheme (§7.1)", async () => {
    const s = await setup();
    const plain = await signToken(s.h.issuer.keys[0]!, validClaims(s.h.nowSeconds()));
    const proof = await s.proof({ accessToken: plain });
    const res = await s.h.fetch("/api/orders", dpopRequest(plain, proof));
    expect(res.status).toBe(401);
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_binding_mismatch" });
  });

  it("refuses a token whose cnf names another kind of binding", async () => {
    const s = await setup();
    const mtls = await signToken(
      s.h.issuer.keys[0]!,
      validClaims(s.h.nowSeconds(), { cnf: { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" } }),
    );
    const res = await s.h.fetch("/reports", s.h.bearer(mtls));
    expect(res.status).toBe(401);
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_binding_mismatch" });
  });

  it("refuses the DPoP scheme without a proof (§7.1)", async () => {
    const s = await setup();
    const res = await s.h.fetch("/api/orders", { headers: { authorization: `DPoP ${s.token}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(INVALID_PROOF);
    expect(s.lastDecision()).toMatchObject({ reason: "dpop_proof_missing" });
  });

  it("challenges with DPoP and its algs when a require_dpop route gets no credential (§7.1)", async () => {
    const s = await setup();
    const res = await s.h.fetch("/api/orders", {
      headers: { accept: "text/html", "sec-fetch-mode": "navigate" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`DPoP realm="edge-auth", algs="${ALGS}"`);
    const other = await s.h.fetch("/reports");
    expect(other.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth"');
  });

  it("answers a malformed DPoP Authorization header with 400 invalid_request", async () => {
    const s = await setup();
    const res = await s.h.fetch("/api/orders", dpopRequest(`${s.token} extra`, await s.proof()));
    expect(res.status).toBe(400);
    expect(res.headers.get("www-authenticate")).toBe(
      `DPoP realm="edge-auth", error="invalid_request", algs="${ALGS}"`,
    );
  });
});
