import { importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { preparseCompactJws } from "../../src/jwt/compact.ts";
import { verifySignature } from "../../src/jwt/signature.ts";
import { makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";

const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

async function signedParts(alg: string) {
  const key = await makeSigningKey(alg, `${alg}-1`);
  const token = await signToken(key, validClaims(1_800_000_000));
  const parsed = preparseCompactJws(token, DEFAULTS.allowedAlgorithms);
  if (!parsed.ok) throw new Error(`jose made a token the pre-parse refuses: ${parsed.failure.reason}`);
  const cryptoKey = (await importJWK(key.publicJwk, alg)) as CryptoKey;
  return { ...parsed.value, cryptoKey };
}

describe("verifying a JWS signature on Web Crypto (RFC 7515 §5.2)", () => {
  for (const alg of ALGORITHMS) {
    it(`accepts a ${alg} signature made by jose and refuses it over other bytes`, async () => {
      const { signingInput, signature, cryptoKey } = await signedParts(alg);
      expect(await verifySignature(alg, cryptoKey, signature, signingInput)).toBe(true);
      const altered = signingInput.slice();
      altered[altered.length - 1]! ^= 1;
      expect(await verifySignature(alg, cryptoKey, signature, altered)).toBe(false);
    });
  }

  it("refuses an ECDSA signature that is not exactly R || S (RFC 7518 §3.4)", async () => {
    const { signingInput, signature, cryptoKey } = await signedParts("ES256");
    const padded = new Uint8Array([...signature, 0]);
    expect(await verifySignature("ES256", cryptoKey, padded, signingInput)).toBe(false);
  });

  it("answers false, never throws, for a key of another algorithm or an unknown algorithm", async () => {
    const rsa = await signedParts("RS256");
    const ec = await signedParts("ES256");
    expect(await verifySignature("ES256", rsa.cryptoKey, ec.signature, ec.signingInput)).toBe(false);
    expect(await verifySignature("HS256", rsa.cryptoKey, rsa.signature, rsa.signingInput)).toBe(false);
    expect(await verifySignature("none", rsa.cryptoKey, new Uint8Array(), rsa.signingInput)).toBe(false);
  });

  it("still refuses a key for another alg after it verified a token of its own (the fit is kept per alg)", async () => {
    const rs256 = await signedParts("RS256");
    const { signingInput, signature, cryptoKey } = rs256;
    expect(await verifySignature("RS256", cryptoKey, signature, signingInput)).toBe(true);
    // The same modulus under RS384 or PS256 would be another key: the imported one is SHA-256 PKCS #1.
    expect(await verifySignature("RS384", cryptoKey, signature, signingInput)).toBe(false);
    expect(await verifySignature("PS256", cryptoKey, signature, signingInput)).toBe(false);
    expect(await verifySignature("RS256", cryptoKey, signature, signingInput)).toBe(true);
  });
});
