import { describe, expect, it } from "vitest";
import { parseAssertionSigningKey } from "../../src/assertion/signing-key.ts";
import { formatProblem, loadConfig } from "../../src/config/load-config.ts";
import { makeAssertionKey } from "../support/assertion-keys.ts";

const base = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ROUTES: [{ pattern: "*" }],
};

function problems(env: Record<string, unknown>): string[] {
  const result = loadConfig({ ...base, ...env });
  return result.ok ? [] : result.failure.map(formatProblem);
}

const EXPECTED = "ASSERTION_SIGNING_KEY: must be a private JWK (EC P-256 or OKP Ed25519); got";

describe("reading ASSERTION_SIGNING_KEY", () => {
  it("accepts a private EC P-256 key (ES256) and a private Ed25519 key (EdDSA), as JSON text or a table", async () => {
    const ec = await makeAssertionKey("ES256");
    const ed = await makeAssertionKey("EdDSA");
    const fromText = parseAssertionSigningKey(ec.secret);
    expect(fromText.ok && fromText.value.alg).toBe("ES256");
    const fromTable = parseAssertionSigningKey(ed.privateJwk);
    expect(fromTable.ok && fromTable.value.alg).toBe("EdDSA");
    const loaded = loadConfig({ ...base, ASSERTION_SIGNING_KEY: ec.secret });
    expect(loaded.ok && loaded.value.assertion?.current.publicMembers).toEqual({
      kty: "EC",
      crv: "P-256",
      x: ec.publicJwk.x,
      y: ec.publicJwk.y,
    });
  });

  it("keeps only the members it needs: kid, alg, use and any extra member are dropped from what is imported", async () => {
    const key = await makeAssertionKey("EdDSA");
    const parsed = parseAssertionSigningKey({
      ...key.privateJwk,
      kid: "mine",
      alg: "EdDSA",
      use: "sig",
      ext: true,
    });
    expect(parsed.ok && Object.keys(parsed.value.privateJwk).sort()).toEqual(["crv", "d", "kty", "x"]);
  });

  it("refuses a public key with the path, what was found and how to make one", async () => {
    const key = await makeAssertionKey("ES256");
    expect(problems({ ASSERTION_SIGNING_KEY: JSON.stringify(key.publicJwk) })).toEqual([
      `${EXPECTED} a public key (no "d"); generate one with \`npm run -s assertion-key | npx wrangler secret put ASSERTION_SIGNING_KEY\``,
    ]);
  });

  it("names what it got for other key types, curves and shapes", async () => {
    const ec = (await makeAssertionKey("ES256")).privateJwk;
    const cases: [unknown, string][] = [
      [JSON.stringify({ kty: "RSA", n: "AQAB", e: "AQAB", d: "AQAB" }), "an RSA key"],
      [JSON.stringify({ kty: "oct", k: "c2VjcmV0" }), "a symmetric (oct) key"],
      [JSON.stringify({ ...ec, crv: "P-384" }), "EC P-384"],
      [JSON.stringify({ ...ec, kty: "OKP", crv: "X25519" }), "OKP X25519"],
      [JSON.stringify({ keys: [ec] }), "a JWK Set"],
      [await pemOfNewPrivateKey(), "PEM text, not a JWK"],
      ["{not json", "text that is not JSON"],
      ["[1,2]", "JSON that is not an object"],
      [JSON.stringify({ crv: "P-256" }), "no kty"],
    ];
    for (const [value, got] of cases) {
      const found = problems({ ASSERTION_SIGNING_KEY: value });
      expect(found, got).toHaveLength(1);
      expect(found[0], got).toContain(`${EXPECTED} ${got}`);
    }
  });

  it("refuses members of the wrong size and an alg, use or key_ops meant for something else", async () => {
    const ec = (await makeAssertionKey("ES256")).privateJwk;
    const messages = [
      { ...ec, d: `${ec.d}AA` },
      { ...ec, y: undefined },
      { ...ec, x: "not base64url!" },
      { ...ec, alg: "ES384" },
      { ...ec, use: "enc" },
      { ...ec, key_ops: ["verify"] },
    ].map((jwk) => problems({ ASSERTION_SIGNING_KEY: JSON.stringify(jwk) })[0]);
    expect(messages).toEqual([
      expect.stringContaining('its "d" is not 32 bytes of base64url'),
      expect.stringContaining('its "y" is not 32 bytes of base64url'),
      expect.stringContaining('its "x" is not 32 bytes of base64url'),
      expect.stringContaining('its "alg" must be ES256 for this key type, or absent'),
      expect.stringContaining('its "use" must be "sig", or absent'),
      expect.stringContaining('its "key_ops" must include "sign", or be absent'),
    ]);
  });

  it("never repeats the secret or any of its members in a message", async () => {
    const ec = (await makeAssertionKey("ES256")).privateJwk;
    const secrets = [
      JSON.stringify({ ...ec, crv: "P-384" }),
      JSON.stringify({ ...ec, alg: "RS256" }),
      JSON.stringify({ ...ec, crv: `${ec.d}` }),
      `${ec.d}`,
    ];
    for (const secret of secrets) {
      const text = problems({ ASSERTION_SIGNING_KEY: secret }).join("\n");
      expect(text).toContain("ASSERTION_SIGNING_KEY");
      expect(text).not.toContain(ec.d as string);
      expect(text).not.toContain(ec.x as string);
    }
  });

  it("reports the previous key's problems under its own name, with every other problem at once", async () => {
    const key = await makeAssertionKey("ES256");
    expect(
      problems({
        OIDC_CLIENT_ID: "",
        ASSERTION_SIGNING_KEY: key.secret,
        ASSERTION_SIGNING_KEY_PREVIOUS: JSON.stringify({ kty: "RSA", n: "AQAB", e: "AQAB" }),
      }),
    ).toEqual([
      "OIDC_CLIENT_ID: must not be empty",
      expect.stringMatching(
        /^ASSERTION_SIGNING_KEY_PREVIOUS: must be a JWK \(EC P-256 or OKP Ed25519\), public or private; got an RSA key/,
      ),
    ]);
  });

  it("takes the previous key as a public JWK (as /auth/jwks.json shows it) and drops a private part", async () => {
    const current = await makeAssertionKey("ES256");
    const previous = await makeAssertionKey("EdDSA");
    const published = { ...previous.publicJwk, kid: previous.kid, alg: "EdDSA", use: "sig" };
    for (const value of [JSON.stringify(published), previous.secret]) {
      const loaded = loadConfig({
        ...base,
        ASSERTION_SIGNING_KEY: current.secret,
        ASSERTION_SIGNING_KEY_PREVIOUS: value,
      });
      expect(loaded.ok && loaded.value.assertion?.previous).toEqual({
        alg: "EdDSA",
        publicMembers: { kty: "OKP", crv: "Ed25519", x: previous.publicJwk.x },
      });
    }
  });

  it("refuses a previous key without a current one, and an empty secret", async () => {
    const key = await makeAssertionKey("EdDSA");
    expect(problems({ ASSERTION_SIGNING_KEY_PREVIOUS: key.secret })).toEqual([
      expect.stringMatching(/^ASSERTION_SIGNING_KEY_PREVIOUS: is set but ASSERTION_SIGNING_KEY is not/),
    ]);
    expect(problems({ ASSERTION_SIGNING_KEY: " " })).toEqual([
      expect.stringMatching(/^ASSERTION_SIGNING_KEY: is empty; remove it, or set a private JWK/),
    ]);
  });

  it("refuses an identity or token header named X-Auth-Assertion while assertions are on", async () => {
    const key = await makeAssertionKey("ES256");
    expect(
      problems({
        ASSERTION_SIGNING_KEY: key.secret,
        IDENTITY_HEADERS: { groups: "x-auth-assertion" },
        FORWARD_TOKEN_HEADER: "X_Auth_Assertion",
      }),
    ).toEqual([
      expect.stringMatching(/^FORWARD_TOKEN_HEADER: "X-Auth-Assertion" carries the signed assertion/),
      expect.stringMatching(/^IDENTITY_HEADERS.groups: "X-Auth-Assertion" carries the signed assertion/),
    ]);
  });

  it("takes assertion_audience per route and refuses one that is not a printable token", () => {
    const loaded = loadConfig({
      ...base,
      AUTH_ROUTES: [{ pattern: "/api/*", assertion_audience: "https://api.internal" }, { pattern: "*" }],
    });
    expect(loaded.ok && loaded.value.routes.map((route) => route.assertionAudience)).toEqual([
      "https://api.internal",
      undefined,
    ]);
    expect(problems({ AUTH_ROUTES: [{ pattern: "*", assertion_audience: "two words" }] })).toEqual([
      "AUTH_ROUTES[0].assertion_audience: must be printable ASCII without spaces (a URL or a name)",
    ]);
  });
});

/** A P-256 private key made now, as PKCS #8 PEM text: what `openssl genpkey` would give a user. */
async function pemOfNewPrivateKey(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const base64 = btoa(String.fromCharCode(...der));
  const label = "PRIVATE KEY";
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join("\n")}\n-----END ${label}-----`;
}
