import { compactVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { cryptoKeyFor, ingestJwks } from "../../src/jwks/key-set.ts";
import { decodeBase64UrlStrict } from "../../src/jwt/base64url.ts";
import { FakeIssuer, makeSigningKey } from "../support/fake-issuer.ts";
import { createKeyCacheRig } from "../support/key-cache-rig.ts";
import vectorsText from "../vectors/wycheproof/json_web_key_test.json?raw";
import licenseText from "../vectors/wycheproof/LICENSE?raw";

/**
 * Project Wycheproof's JsonWebKey vectors (C2SP/wycheproof at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166,
 * Apache-2.0, test/vectors/wycheproof/LICENSE), vendored unedited: each group is a key set and JWS
 * cases that must verify (valid) or not (invalid) with it. Every case runs through the real ingest
 * (the key set served as the provider's JWKS), the KeyCache's `keysFor`, and the verifier's
 * signature step (`cryptoKeyFor` + jose's `compactVerify` with the one alg of the header).
 */
const SHA256 = {
  vectors: "be983255bce26406f97020ec5458b33930a90d5f868e604fcd569c300aba2862",
  license: "58d1e17ffe5109a7ae296caafcadfdbe6a7d176f0bc4ab01e12a689b0499d8bd",
};

interface Vectors {
  numberOfTests: number;
  testGroups: {
    comment: string;
    private?: { keys: JWK[] };
    public?: { keys: JWK[] };
    tests: { tcId: number; comment: string; jws: string; result: "valid" | "invalid"; flags: string[] }[];
  }[];
}

type Verdict = { result: "valid" } | { result: "invalid"; reason: string };

/** What edge-auth does with each case: the verdict, and what ingest dropped from the published set. */
const EXPECTED: Record<number, { verdict: Verdict; dropped: string[] }> = {
  1: { verdict: invalid("alg_not_allowed"), dropped: ["symmetric key"] },
  2: { verdict: invalid("alg_not_allowed"), dropped: ["symmetric key", "symmetric key"] },
  3: { verdict: invalid("alg_not_allowed"), dropped: ["symmetric key", "symmetric key"] },
  4: { verdict: invalid("alg_not_allowed"), dropped: ["symmetric key", "symmetric key"] },
  5: { verdict: { result: "valid" }, dropped: [] },
  6: { verdict: invalid("unknown_kid"), dropped: ['use is "enc", not "sig"'] },
  7: { verdict: invalid("unknown_kid"), dropped: ["RSA modulus has the ROCA fingerprint (CVE-2017-15361)"] },
  8: { verdict: invalid("unknown_kid"), dropped: ["RSA modulus of 1024 bits is under 2048"] },
  9: { verdict: invalid("unknown_kid"), dropped: ["RSA public exponent 1 is unsafe"] },
  ...Object.fromEntries(
    [10, 11, 12, 13, 14, 15, 16, 17, 18, 25, 26].map((tcId) => [
      tcId,
      { verdict: invalid("alg_not_allowed"), dropped: ["symmetric key"] },
    ]),
  ),
  19: { verdict: invalid("unknown_kid"), dropped: ["alg ES521 does not fit curve P-256"] },
  20: { verdict: invalid("unknown_kid"), dropped: ["alg ES224 does not fit curve P-256"] },
  21: { verdict: invalid("unknown_kid"), dropped: ['use is "enc", not "sig"'] },
  22: {
    verdict: invalid("unknown_kid"),
    dropped: ["Web Crypto refused the key (e.g. a point off its curve)"],
  },
  23: { verdict: invalid("unknown_kid"), dropped: ["EC key coordinates have the wrong length"] },
  24: { verdict: invalid("unknown_kid"), dropped: ["RSA key without a valid n and e"] },
};

/** Where edge-auth's verdict differs from the file's, and why (by design, not by accident). */
const DISAGREEMENTS: Record<number, string> = {
  2: "HS256 with a shared secret: edge-auth never verifies HMAC (not in the allow-list, and symmetric keys are dropped from a JWKS)",
  13: "HS256 with a long key: same reason",
  14: "HS384 with a long key: same reason",
  15: "HS512 with a long key: same reason",
};

function invalid(reason: string): Verdict {
  return { result: "invalid", reason };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const vectors = JSON.parse(vectorsText) as Vectors;
const cases = vectors.testGroups.flatMap((group) =>
  group.tests.map((test) => ({
    ...test,
    group: group.comment,
    // What a provider would publish: the public set, or (symmetric groups) the only set there is.
    published: (group.public ?? group.private) as { keys: JWK[] },
    privateSet: group.private,
  })),
);

/**
 * The verifier's path for a compact JWS whose payload is not an ID token: alg allow-list, keysFor,
 * signature. The provider publishes the group's key set next to one good control key, so a set in
 * which every Wycheproof key is dropped still loads and the dropped kids show as unknown.
 */
async function verifyThroughKeyCache(jws: string, published: { keys: JWK[] }): Promise<Verdict> {
  const control = await makeSigningKey("ES256", "control");
  const issuer = new FakeIssuer([]);
  issuer.jwksResponder = () => Response.json({ keys: [...published.keys, control.publicJwk] });
  const rig = await createKeyCacheRig({ issuer });
  try {
    const headerBytes = decodeBase64UrlStrict(jws.split(".")[0] ?? "");
    const header = JSON.parse(new TextDecoder().decode(headerBytes)) as { alg: string; kid?: string };
    if (!rig.config.allowedAlgorithms.includes(header.alg)) return invalid("alg_not_allowed");
    const match = await rig.cache.keysFor(rig.rt, header.kid, header.alg);
    if (!match.ok) return invalid(match.failure.reason);
    for (const key of match.value.keys) {
      try {
        await compactVerify(jws, await cryptoKeyFor(key, header.alg), { algorithms: [header.alg] });
        return { result: "valid" };
      } catch {}
    }
    return invalid("bad_signature");
  } finally {
    await rig.settle();
  }
}

describe("Wycheproof json_web_key_test.json: key hygiene at ingest", () => {
  it("is the vendored file, unedited, with its licence", async () => {
    expect(await sha256Hex(vectorsText)).toBe(SHA256.vectors);
    expect(await sha256Hex(licenseText)).toBe(SHA256.license);
    expect(cases).toHaveLength(vectors.numberOfTests);
    expect(
      Object.keys(EXPECTED)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(cases.map((c) => c.tcId));
  });

  it.each(cases)("tcId $tcId ($group, $comment; the file says $result)", async (testCase) => {
    const expected = EXPECTED[testCase.tcId]!;
    const ingested = await ingestJwks(testCase.published);
    expect(ingested?.dropped.map((drop) => drop.reason)).toEqual(expected.dropped);
    expect(await verifyThroughKeyCache(testCase.jws, testCase.published)).toEqual(expected.verdict);
  });

  it("drops every key with private parts when a group's private set is published by mistake", async () => {
    for (const testCase of cases) {
      const ingested = await ingestJwks(testCase.privateSet);
      for (const [index, jwk] of (testCase.privateSet?.keys ?? []).entries()) {
        if (!("d" in jwk || "k" in jwk)) continue;
        expect(
          ingested?.dropped.find((drop) => drop.index === index)?.reason,
          `tcId ${testCase.tcId}`,
        ).toMatch(/^(has private key material|symmetric key)$/);
      }
    }
  });

  it("disagrees with the file only where listed, each for a stated reason", () => {
    const disagreements = cases
      .filter((testCase) => EXPECTED[testCase.tcId]!.verdict.result !== testCase.result)
      .map((testCase) => testCase.tcId);
    expect(disagreements).toEqual(Object.keys(DISAGREEMENTS).map(Number));
    for (const tcId of disagreements) console.log(`[wycheproof jwk] tcId ${tcId}: ${DISAGREEMENTS[tcId]}`);
  });
});
