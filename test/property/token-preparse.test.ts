import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { decodeBase64UrlStrict, encodeBase64Url } from "../../src/jwt/base64url.ts";
import { preparseCompactJws } from "../../src/jwt/compact.ts";
import { parseStrictJsonObject } from "../../src/jwt/strict-json.ts";
import { verifyIdToken } from "../../src/jwt/verify-id-token.ts";
import { makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { seededRuns } from "../support/property-runs.ts";
import { defaultConfig, keySourceFor, offlineRuntime } from "../vectors/wycheproof.ts";

const ALGS = DEFAULTS.allowedAlgorithms;
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const utf8 = new TextEncoder();

/** Strings that look like tokens: base64url-ish segments with the characters attackers slip in. */
const tokenLike = fc
  .array(
    fc.string({
      unit: fc.constantFrom(...B64URL, "=", "+", "/", " ", ".", "\u0000", "é", "%"),
      maxLength: 60,
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((segments) => segments.join("."));

/** Headers an attacker could write: arbitrary JSON values for the members the pre-parser reads. */
const hostileHeader = fc.record(
  {
    alg: fc.oneof(fc.constantFrom(...ALGS, "none", "HS256", "NONE", ""), fc.jsonValue()),
    kid: fc.oneof(fc.string(), fc.jsonValue()),
    typ: fc.oneof(fc.constantFrom("JWT", "jwt", "at+jwt", "JWE"), fc.jsonValue()),
    crit: fc.jsonValue(),
    b64: fc.jsonValue(),
    cty: fc.jsonValue(),
    jku: fc.webUrl(),
  },
  { requiredKeys: [] },
);

const encodedToken = fc
  .tuple(hostileHeader, fc.jsonValue(), fc.uint8Array({ maxLength: 80 }))
  .map(
    ([header, payload, signature]) =>
      `${encodeBase64Url(utf8.encode(JSON.stringify(header)))}.${encodeBase64Url(utf8.encode(JSON.stringify(payload) ?? ""))}.${encodeBase64Url(signature)}`,
  );

describe("the token pre-parser under random input", () => {
  it("never throws, and passes only a canonical three-segment JWS with an allowed alg and no crit", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), tokenLike, encodedToken), (token) => {
        const parsed = preparseCompactJws(token, ALGS);
        if (!parsed.ok) return;
        const { alg, header, signature, kid } = parsed.value;
        expect(token.split(".")).toHaveLength(3);
        expect(ALGS).toContain(alg);
        expect(header).not.toHaveProperty("crit");
        expect(header).not.toHaveProperty("b64");
        expect(signature.length).toBeGreaterThan(0);
        expect(kid === undefined || typeof kid === "string").toBe(true);
        for (const segment of token.split("."))
          expect(encodeBase64Url(decodeBase64UrlStrict(segment)!)).toBe(segment);
      }),
      seededRuns(3000),
    );
  });

  it("decodes base64url in exactly one spelling: whatever decodes re-encodes to the same text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...B64URL, "=", "+", "/"), maxLength: 40 }), (text) => {
        const bytes = decodeBase64UrlStrict(text);
        if (bytes) expect(encodeBase64Url(bytes)).toBe(text);
      }),
      seededRuns(5000),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase64UrlStrict(encodeBase64Url(bytes))).toEqual(bytes);
      }),
      seededRuns(100),
    );
  });

  it("parses JSON strictly without throwing: objects round-trip, a repeated key never passes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        parseStrictJsonObject(bytes);
      }),
      seededRuns(3000),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const parsed = parseStrictJsonObject(utf8.encode(JSON.stringify(object)));
        expect(parsed).toEqual(JSON.parse(JSON.stringify(object)));
      }),
      seededRuns(100),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.jsonValue(),
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (key, a, b, rest) => {
          const members = Object.entries(rest)
            .filter(([name]) => name !== key)
            .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`);
          const text = `{${[...members, `${JSON.stringify(key)}:${JSON.stringify(a)}`, `${JSON.stringify(key)}:${JSON.stringify(b)}`].join(",")}}`;
          expect(parseStrictJsonObject(utf8.encode(text))).toBeUndefined();
        },
      ),
      seededRuns(100),
    );
  });
});

describe("the verifier under mutation", () => {
  it("never yields an identity for random tokens, nor for any mutation of a valid one", async () => {
    const key = await makeSigningKey("ES256", "ec-1");
    const { source } = await keySourceFor({ keys: [key.publicJwk] });
    const config = defaultConfig();
    const rt = offlineRuntime();
    const nowSeconds = rt.now() / 1000;
    const token = await signToken(key, {
      ...validClaims(nowSeconds),
      iss: config.issuer,
      aud: config.clientId,
    });
    expect((await verifyIdToken(token, config, source, rt)).ok).toBe(true);

    const mutation = fc.oneof(
      fc
        .record({ at: fc.nat(token.length - 1), char: fc.constantFrom(...B64URL, ".", "=") })
        .map(({ at, char }) => `${token.slice(0, at)}${char}${token.slice(at + 1)}`),
      fc
        .record({ at: fc.nat(token.length), char: fc.constantFrom(...B64URL, ".") })
        .map(({ at, char }) => `${token.slice(0, at)}${char}${token.slice(at)}`),
      fc.nat(token.length - 1).map((at) => `${token.slice(0, at)}${token.slice(at + 1)}`),
      fc.constantFrom(0, 1, 2).chain((i) =>
        fc.constantFrom(0, 1, 2).map((j) => {
          const parts = token.split(".");
          [parts[i], parts[j]] = [parts[j] as string, parts[i] as string];
          return parts.join(".");
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutation, tokenLike, encodedToken), async (candidate) => {
        const result = await verifyIdToken(candidate, config, source, rt);
        if (candidate !== token) expect(result.ok).toBe(false);
      }),
      seededRuns(1500),
    );
  });
});
