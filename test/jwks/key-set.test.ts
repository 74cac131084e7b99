import { exportJWK, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { cryptoKeyFor, ingestJwks } from "../../src/jwks/key-set.ts";
import { encodeBase64Url } from "../../src/jwt/base64url.ts";
import { makeSigningKey } from "../support/fake-issuer.ts";
import { createKeyCacheRig } from "../support/key-cache-rig.ts";

async function rsaJwk(modulusLength: number, kid: string): Promise<JWK> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const { kty, n, e } = await exportJWK(pair.publicKey);
  return { kty, n, e, kid, alg: "RS256", use: "sig" };
}

async function reasonsFor(keys: unknown[]): Promise<{ kept: (string | undefined)[]; dropped: string[] }> {
  const ingested = await ingestJwks({ keys });
  if (!ingested) throw new Error("not a JWKS");
  return {
    kept: ingested.keySet.keys.map((key) => key.kid),
    dropped: ingested.dropped.map((drop) => `${drop.kid}: ${drop.reason}`),
  };
}

describe("key hygiene when a JWKS is ingested", () => {
  it("keeps RSA 2048, P-256, P-384, P-521 and Ed25519 public signing keys", async () => {
    const keys = await Promise.all([
      makeSigningKey("RS256", "rsa"),
      makeSigningKey("PS256", "pss"),
      makeSigningKey("ES256", "p256"),
      makeSigningKey("ES384", "p384"),
      makeSigningKey("ES512", "p521"),
      makeSigningKey("EdDSA", "ed"),
    ]);
    expect(await reasonsFor(keys.map((key) => key.publicJwk))).toEqual({
      kept: ["rsa", "pss", "p256", "p384", "p521", "ed"],
      dropped: [],
    });
  });

  it("drops unsafe keys with their reason and keeps the rest", async () => {
    const good = (await makeSigningKey("ES256", "good")).publicJwk;
    const rsa = await rsaJwk(2048, "rsa");
    const ec = (await makeSigningKey("ES256", "ec")).publicJwk;
    const offCurveY = encodeBase64Url(new Uint8Array([...new TextEncoder().encode("x".repeat(31)), 1]));
    const privateEc = await exportJWK(
      (
        (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
          "sign",
        ])) as CryptoKeyPair
      ).privateKey,
    );
    expect(
      await reasonsFor([
        good,
        await rsaJwk(1024, "rsa-1024"),
        { ...rsa, kid: "e-1", e: "AQ" },
        { ...rsa, kid: "e-even", e: "AQAA" },
        { ...privateEc, kid: "private" },
        { kty: "oct", k: encodeBase64Url(new Uint8Array(32)), kid: "hmac" },
        { ...ec, kid: "enc", use: "enc" },
        { ...ec, kid: "ops", key_ops: ["encrypt"] },
        { ...ec, kid: "off-curve", y: offCurveY },
        { ...ec, kid: "short", x: encodeBase64Url(new Uint8Array(31)) },
        { kty: "OKP", crv: "X25519", x: encodeBase64Url(new Uint8Array(32)), kid: "x25519" },
        { ...rsa, kid: "rsa-as-es", alg: "ES256" },
        { kty: "RSA", x: ec.x, y: ec.y, kid: "rsa-without-n" },
        "not an object",
      ]),
    ).toEqual({
      kept: ["good"],
      dropped: [
        "rsa-1024: RSA modulus of 1024 bits is under 2048",
        "e-1: RSA public exponent 1 is unsafe",
        "e-even: RSA public exponent 65536 is unsafe",
        "private: has private key material",
        "hmac: symmetric key",
        'enc: use is "enc", not "sig"',
        "ops: key_ops does not allow verify",
        "off-curve: Web Crypto refused the key (e.g. a point off its curve)",
        "short: EC key coordinates have the wrong length",
        'x25519: OKP curve "X25519" is not supported',
        "rsa-as-es: alg ES256 does not fit an RSA key",
        "rsa-without-n: RSA key without a valid n and e",
        "undefined: not a JSON object",
      ],
    });
  });

  it("drops both keys that share a kid, since the choice between them is ambiguous", async () => {
    const first = (await makeSigningKey("ES256", "same")).publicJwk;
    const second = (await makeSigningKey("ES256", "same")).publicJwk;
    const other = (await makeSigningKey("ES256", "other")).publicJwk;
    expect(await reasonsFor([first, second, other])).toEqual({
      kept: ["other"],
      dropped: ["same: duplicate kid", "same: duplicate kid"],
    });
  });

  it("refuses a document that is not a JWKS", async () => {
    for (const document of [null, [], "keys", { keys: "x" }, { keys: {} }])
      expect(await ingestJwks(document)).toBeUndefined();
  });

  it("imports a key's CryptoKey once per alg and reuses it", async () => {
    const ingested = await ingestJwks({ keys: [(await makeSigningKey("RS256", "rsa")).publicJwk] });
    const key = ingested!.keySet.keys[0]!;
    const first = await cryptoKeyFor(key, "RS256");
    expect(await cryptoKeyFor(key, "RS256")).toBe(first);
    expect(key.imported.size).toBe(1);
  });

  it("logs the dropped keys and why once, not at every refresh", async () => {
    const rig = await createKeyCacheRig();
    const weak = await rsaJwk(1024, "weak");
    rig.issuer.jwksResponder = () =>
      Response.json(
        { keys: [...rig.issuer.jwks().keys, weak] },
        { headers: { "cache-control": "max-age=300" } },
      );
    for (let i = 0; i < 3; i++) {
      expect((await rig.cache.keysFor(rig.rt, "rsa-1", "RS256")).ok).toBe(true);
      await rig.settle();
      rig.advanceSeconds(300);
    }
    expect(rig.issuer.jwksFetchCount()).toBe(3);
    expect(rig.events("jwks_keys_dropped")).toEqual([
      {
        event: "jwks_keys_dropped",
        issuer: "https://issuer.test",
        dropped: [{ index: 1, kid: "weak", reason: "RSA modulus of 1024 bits is under 2048" }],
      },
    ]);
  });
});
