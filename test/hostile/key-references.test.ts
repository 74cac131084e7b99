import { exportJWK } from "jose";
import { describe, expect, it } from "vitest";
import { ISSUER, makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";
import { b64url, expectForwardedAs, expectRefused, headerFor, signRaw } from "./forge.ts";

const ATTACKER = "https://attacker.test";

describe("hostile key references", () => {
  it("never follows jku, x5u, jwk or x5c: an attacker's key named by the token verifies nothing", async () => {
    const h = await createHarness();
    const attacker = await makeSigningKey("RS256", "rsa-1"); // same kid as the issuer's key
    const attackerJwk = {
      ...(await exportJWK(
        await crypto.subtle.importKey(
          "jwk",
          attacker.publicJwk as JsonWebKey,
          { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
          true,
          ["verify"],
        ),
      )),
      kid: "rsa-1",
    };
    const claims = JSON.stringify(validClaims(h.nowSeconds(), { sub: "attacker" }));
    const references: Record<string, unknown>[] = [
      { jku: `${ATTACKER}/jwks.json` },
      { x5u: `${ATTACKER}/cert.pem` },
      { jwk: attackerJwk },
      { x5c: [b64url("not a certificate, never parsed")] },
      { jku: `${ISSUER}/jwks/../../evil`, kid: "attacker-kid" },
      { jku: "http://127.0.0.1:1/", x5u: "file:///etc/passwd", jwk: attackerJwk, kid: "attacker-kid" },
    ];
    for (const extra of references) {
      const token = await signRaw(attacker, headerFor(attacker, extra), claims);
      const reason = extra.kid === "attacker-kid" ? "unknown_kid" : "bad_signature";
      await expectRefused(h, h.bearer(token), reason);
    }
    expect(
      h.outbound.every(
        (url) => url === `${ISSUER}/.well-known/openid-configuration` || url === `${ISSUER}/jwks`,
      ),
    ).toBe(true);
  });

  it("ignores those headers on a token the issuer really signed: it passes, and nothing is fetched from them", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const token = await signToken(key, validClaims(h.nowSeconds()), {
      jku: `${ATTACKER}/jwks.json`,
      x5u: `${ATTACKER}/cert.pem`,
      x5c: [b64url("ignored")],
    });
    await expectForwardedAs(h, h.bearer(token), "user-123");
    expect(h.outbound.filter((url) => url.startsWith(ATTACKER))).toEqual([]);
  });

  it("treats kid as an opaque name: traversal, SQL, control characters and huge values find no key", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    const kids = [
      "../../../../etc/passwd",
      "..%2f..%2fjwks",
      "/dev/null",
      "' OR '1'='1",
      "rsa-1'; DROP TABLE keys; --",
      "rsa-1\u0000",
      "rsa-1\r\nX-Auth-Sub: admin",
      " rsa-1",
      "RSA-1",
      "__proto__",
      "constructor",
      "k".repeat(10_000),
    ];
    for (const kid of kids) {
      await expectRefused(h, h.bearer(await signRaw(key, headerFor(key, { kid }), claims)), "unknown_kid");
    }
    // The log keeps a short, escaped kid; the flood of unknown kids cost at most one extra JWKS fetch.
    const logged = h.logs.filter((line) => line.event === "decision").map((line) => String(line.kid ?? ""));
    expect(Math.max(...logged.map((kid) => kid.length))).toBeLessThanOrEqual(65);
    expect(h.issuer.jwksFetchCount()).toBeLessThanOrEqual(2);
    expect(
      h.outbound.every(
        (url) => url === `${ISSUER}/.well-known/openid-configuration` || url === `${ISSUER}/jwks`,
      ),
    ).toBe(true);
  });

  it("refuses a kid that is not a string", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const claims = JSON.stringify(validClaims(h.nowSeconds()));
    for (const kid of [1, 0, null, true, ["rsa-1"], { "rsa-1": true }]) {
      await expectRefused(h, h.bearer(await signRaw(key, headerFor(key, { kid }), claims)), "malformed");
    }
    expect(h.issuer.fetches).toEqual([]);
  });
});
