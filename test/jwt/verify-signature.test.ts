import { importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { preparseCompactJws } from "../../src/jwt/compact.ts";
import { verifyJwsSignature } from "../../src/jwt/verify-signature.ts";
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
      expect(await verifyJwsSignature(alg, cryptoKey, signingInput, signature)).toBe(true);
      const altered = signingInput.slice();
      altered[altered.length - 1]! ^= 1;
      expect(await verifyJwsSignature(alg, cryptoKey, altered, signature)).toBe(false);
    });
  }

  it("refuses an ECDSA signature that is not exactly R || S (RFC 7518 §3.4)", async () => {
    const { signingInput, signature, cryptoKey } = await signedParts("ES256");
    const padded = new Uint8Array([...signature, 0]);
    expect(await verifyJwsSignature("ES256", cryptoKey, signingInput, padded)).toBe(false);
  });

  it("answers false, never throws, for a key of another algorithm or an unknown algorithm", async () => {
    const rsa = await signedParts("RS256");
    const ec = await signedParts("ES256");
    expect(await verifyJwsSignature("ES256", rsa.cryptoKey, ec.signingInput, ec.signature)).toBe(false);
    expect(await verifyJwsSignature("HS256", rsa.cryptoKey, rsa.signingInput, rsa.signature)).toBe(false);
    expect(await verifyJwsSignature("none", rsa.cryptoKey, rsa.signingInput, new Uint8Array())).toBe(false);
  });
});
