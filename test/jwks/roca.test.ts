import { exportJWK } from "jose";
import { describe, expect, it } from "vitest";
import { hasRocaFingerprint } from "../../src/jwks/roca.ts";
import { decodeBase64UrlStrict } from "../../src/jwt/base64url.ts";
import vectorsText from "../vectors/wycheproof/json_web_key_test.json?raw";

interface Group {
  comment: string;
  public?: { keys: { n?: string }[] };
}

function modulusOf(comment: string): Uint8Array {
  const groups = (JSON.parse(vectorsText) as { testGroups: Group[] }).testGroups;
  const n = groups.find((group) => group.comment === comment)?.public?.keys[0]?.n;
  return decodeBase64UrlStrict(n ?? "") as Uint8Array;
}

describe("the ROCA fingerprint (CVE-2017-15361)", () => {
  it("flags the vulnerable modulus of Wycheproof's jws_rsa_roca_key", () => {
    expect(hasRocaFingerprint(modulusOf("jws_rsa_roca_key"))).toBe(true);
  });

  it("passes Wycheproof's ordinary RS256 modulus", () => {
    expect(hasRocaFingerprint(modulusOf("rs256"))).toBe(false);
  });

  it("passes moduli generated at run time", async () => {
    for (let i = 0; i < 5; i++) {
      const pair = (await crypto.subtle.generateKey(
        { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["sign", "verify"],
      )) as CryptoKeyPair;
      const { n } = await exportJWK(pair.publicKey);
      expect(hasRocaFingerprint(decodeBase64UrlStrict(n!)!)).toBe(false);
    }
  });
});
