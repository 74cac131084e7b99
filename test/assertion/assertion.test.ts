import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { ASSERTION_TYPE } from "../../src/assertion/assertion-signer.ts";
import { type AssertionKey, makeAssertionKey } from "../support/assertion-keys.ts";
import { Browser } from "../support/browser.ts";
import { ISSUER, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness, HEALTH_DETAIL, ORIGIN, SITE } from "../support/harness.ts";

async function assertingHarness(key: AssertionKey, vars: Record<string, unknown> = {}): Promise<Harness> {
  return createHarness({ vars: { ASSERTION_SIGNING_KEY: key.secret, ...vars } });
}

async function bearerFor(
  h: Harness,
  claims: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return h.bearer(await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), claims)), headers);
}

/** The assertion the origin received with its last request. */
function lastAssertion(h: Harness): string | null {
  return h.originCalls.at(-1)?.headers.get("x-auth-assertion") ?? null;
}

async function publishedKeys(h: Harness): Promise<JSONWebKeySet> {
  const response = await h.fetch("/auth/jwks.json");
  expect(response.status).toBe(200);
  return response.json();
}

/** Verifies as an origin would: with the published keys only, checking iss, aud and typ. */
async function verifyAsOrigin(h: Harness, jwt: string, audience = ORIGIN) {
  const jwks = createLocalJWKSet(await publishedKeys(h));
  return jwtVerify(jwt, jwks, {
    issuer: SITE,
    audience,
    typ: ASSERTION_TYPE,
    algorithms: ["ES256", "EdDSA"],
    currentDate: new Date(h.clock.nowMs),
  });
}

describe("the signed identity assertion on identified forwards", () => {
  it("sends X-Auth-Assertion with a bearer identity, verifiable with the published keys and carrying the claims", async () => {
    const key = await makeAssertionKey("ES256");
    const h = await assertingHarness(key);
    const response = await h.fetch("/reports/q3", await bearerFor(h, { groups: ["staff", "finance"] }));
    expect(response.status).toBe(200);
    const jwt = lastAssertion(h)!;
    const { payload, protectedHeader } = await verifyAsOrigin(h, jwt);
    expect(protectedHeader).toEqual({ alg: "ES256", kid: key.kid, typ: "edge-auth-assertion+jwt" });
    const now = h.nowSeconds();
    expect(payload).toEqual({
      iss: SITE,
      aud: ORIGIN,
      sub: "user-123",
      email: "ada@example.com",
      name: "Ada Lovelace",
      groups: ["staff", "finance"],
      idp_iss: ISSUER,
      route: "*",
      iat: now,
      exp: now + 60,
    });
  });

  it("sends it with a session identity too (a signed-in browser)", async () => {
    const key = await makeAssertionKey("EdDSA");
    const h = await assertingHarness(key);
    const browser = new Browser(h);
    expect((await browser.signIn("/private")).status).toBe(303);
    await browser.visit("/private");
    expect(h.originCalls.at(-1)!.url).toBe(`${ORIGIN}/private`);
    const { payload, protectedHeader } = await verifyAsOrigin(h, lastAssertion(h)!);
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(payload).toMatchObject({ sub: "user-123", idp_iss: ISSUER, route: "*" });
  });

  it("sends none on a public route, and strips one a client sent there", async () => {
    const h = await assertingHarness(await makeAssertionKey());
    await h.fetch("/public/logo.png", {
      headers: { "X-Auth-Assertion": "forged", x_auth_assertion: "forged" },
    });
    expect(h.originCalls.at(-1)!.url).toBe(`${ORIGIN}/public/logo.png`);
    expect([...h.originCalls.at(-1)!.headers.keys()].filter((name) => /assertion/i.test(name))).toEqual([]);
  });

  it("replaces a forged header on an identified request with its own", async () => {
    const h = await assertingHarness(await makeAssertionKey());
    const init = await bearerFor(h);
    (init.headers as Record<string, string>)["x-auth-assertion"] =
      "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.";
    await h.fetch("/private", init);
    const forwarded = lastAssertion(h)!;
    expect(forwarded).not.toContain("eyJhbGciOiJub25lIn0");
    expect((await verifyAsOrigin(h, forwarded)).payload.sub).toBe("user-123");
  });

  it("strips a client's X-Auth-Assertion even when the identity prefix is something else", async () => {
    const h = await assertingHarness(await makeAssertionKey(), {
      IDENTITY_HEADER_PREFIX: "X-User-",
      IDENTITY_HEADERS: {
        sub: "X-User-Id",
        email: "X-User-Email",
        name: "X-User-Name",
        groups: "X-User-Groups",
        issuer: "X-User-Issuer",
      },
    });
    await h.fetch("/public/page", { headers: { "X-Auth-Assertion": "forged" } });
    expect(h.originCalls.at(-1)!.headers.get("x-auth-assertion")).toBeNull();
  });

  it("strips a client's X-Auth-Assertion even when assertions are not configured", async () => {
    const h = await createHarness();
    await h.fetch("/private", await bearerFor(h, {}, { "X-Auth-Assertion": "forged" }));
    expect(h.originCalls.at(-1)!.headers.get("x-auth-assertion")).toBeNull();
    expect(h.originCalls.at(-1)!.headers.get("x-auth-sub")).toBe("user-123");
  });

  it("uses the route's assertion_audience as aud, and the request's own origin without ORIGIN_URL", async () => {
    const h = await assertingHarness(await makeAssertionKey(), {
      AUTH_ROUTES: [{ pattern: "/api/*", assertion_audience: "urn:reports-api" }, { pattern: "*" }],
    });
    await h.fetch("/api/items", await bearerFor(h));
    const api = await verifyAsOrigin(h, lastAssertion(h)!, "urn:reports-api");
    expect(api.payload.route).toBe("/api/*");
    await h.fetch("/home", await bearerFor(h));
    expect((await verifyAsOrigin(h, lastAssertion(h)!)).payload).toMatchObject({ aud: ORIGIN, route: "*" });
  });

  it("keeps a typical identity's assertion within 1 KiB", async () => {
    const h = await assertingHarness(await makeAssertionKey("ES256"));
    await h.fetch(
      "/private",
      await bearerFor(h, {
        sub: "00u1a2b3c4d5e6f7g8h9",
        email: "ada.lovelace@analytical-engines.example.com",
        name: "Augusta Ada King, Countess of Lovelace",
        groups: ["staff", "engineering", "platform-oncall", "finance-readonly", "vpn-users"],
      }),
    );
    expect(new TextEncoder().encode(lastAssertion(h)!).length).toBeLessThanOrEqual(1024);
  });

  it("keeps the provider's first 32 groups and marks the cut with groups_truncated", async () => {
    const h = await assertingHarness(await makeAssertionKey());
    const groups = Array.from({ length: 40 }, (_, i) => `g${i}`);
    await h.fetch("/private", await bearerFor(h, { groups }));
    const { payload } = await verifyAsOrigin(h, lastAssertion(h)!);
    expect(payload.groups).toEqual(groups.slice(0, 32));
    expect(payload.groups_truncated).toBe(true);
    // The identity header still carries every group: only the assertion is bounded.
    expect(h.originCalls.at(-1)!.headers.get("x-auth-groups")!.split(",")).toHaveLength(40);
  });
});

describe("reusing a signed assertion", () => {
  it("sends the very same assertion for the same identity and route within half its lifetime, a new one after", async () => {
    const h = await assertingHarness(await makeAssertionKey());
    const init = await bearerFor(h);
    await h.fetch("/private", init);
    const first = lastAssertion(h);
    h.advanceSeconds(29);
    await h.fetch("/private/other", init);
    expect(lastAssertion(h)).toBe(first);
    h.advanceSeconds(1);
    await h.fetch("/private", init);
    const renewed = lastAssertion(h)!;
    expect(renewed).not.toBe(first);
    expect((await verifyAsOrigin(h, renewed)).payload.iat).toBe(h.nowSeconds());
  });

  it("signs anew when the identity's claims, the route or the site change", async () => {
    const h = await assertingHarness(await makeAssertionKey(), {
      AUTH_ROUTES: [{ pattern: "/api/*" }, { pattern: "*" }],
    });
    const seen = new Set<string>();
    await h.fetch("/home", await bearerFor(h));
    seen.add(lastAssertion(h)!);
    await h.fetch("/home", await bearerFor(h, { groups: ["staff", "admins"] }));
    seen.add(lastAssertion(h)!);
    await h.fetch("/home", await bearerFor(h, { name: "Ada King" }));
    seen.add(lastAssertion(h)!);
    await h.fetch("/api/x", await bearerFor(h));
    seen.add(lastAssertion(h)!);
    await h.fetch("https://other-site.test/home", await bearerFor(h));
    seen.add(lastAssertion(h)!);
    expect(seen.size).toBe(5);
    const last = await verifyAsOrigin(h, lastAssertion(h)!).catch((error: Error) => error.message);
    expect(last).toBe('unexpected "iss" claim value');
  });
});

describe("the published keys (/auth/jwks.json)", () => {
  it("serves the public key only, cacheable, with its thumbprint as kid", async () => {
    const key = await makeAssertionKey("ES256");
    const h = await assertingHarness(key);
    const response = await h.fetch("/auth/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    expect(response.headers.get("content-type")).toBe("application/jwk-set+json");
    const body = (await response.json()) as JSONWebKeySet;
    expect(body).toEqual({
      keys: [
        {
          kty: "EC",
          crv: "P-256",
          x: key.publicJwk.x,
          y: key.publicJwk.y,
          kid: key.kid,
          alg: "ES256",
          use: "sig",
        },
      ],
    });
    expect(JSON.stringify(body)).not.toContain(key.privateJwk.d as string);
  });

  it("publishes the previous key after the current one while only the current one signs (rotation)", async () => {
    const previous = await makeAssertionKey("ES256");
    const current = await makeAssertionKey("EdDSA");
    // Step one of a rotation: the current key as /auth/jwks.json shows it becomes the previous one.
    const before = await assertingHarness(previous);
    const [shown] = (await publishedKeys(before)).keys;
    const h = await assertingHarness(current, { ASSERTION_SIGNING_KEY_PREVIOUS: JSON.stringify(shown) });
    const { keys } = await publishedKeys(h);
    expect(keys.map((k) => [k.kid, k.alg, k.d])).toEqual([
      [current.kid, "EdDSA", undefined],
      [previous.kid, "ES256", undefined],
    ]);
    await h.fetch("/private", await bearerFor(h));
    expect(decodeProtectedHeader(lastAssertion(h)!).kid).toBe(current.kid);
    await verifyAsOrigin(h, lastAssertion(h)!);
  });

  it("publishes a key once when the previous key is the current one (the first step of a rotation)", async () => {
    const key = await makeAssertionKey();
    const h = await assertingHarness(key, { ASSERTION_SIGNING_KEY_PREVIOUS: key.secret });
    expect((await publishedKeys(h)).keys.map((k) => k.kid)).toEqual([key.kid]);
  });

  it("never shows the private key elsewhere: not in /auth/health in detail, not in any log line", async () => {
    const key = await makeAssertionKey("EdDSA");
    const h = await assertingHarness(key);
    await h.fetch("/private", await bearerFor(h));
    const health = await h.fetch("/auth/health", HEALTH_DETAIL);
    expect(health.status).toBe(200);
    const seen = `${await health.text()}\n${JSON.stringify(h.logs)}`;
    expect(seen).toContain('"status"');
    expect(seen).not.toContain(key.privateJwk.d as string);
  });

  it("answers 404 when assertions are not configured, and 405 to other methods", async () => {
    const h = await createHarness();
    const response = await h.fetch("/auth/jwks.json");
    expect(response.status).toBe(404);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect((await h.fetch("/auth/jwks.json", { method: "POST" })).status).toBe(405);
    expect(h.originCalls).toHaveLength(0);
  });
});

describe("a signing key that cannot be used", () => {
  it("refuses a bad secret at start with the message, without repeating the key", async () => {
    const key = await makeAssertionKey();
    const h = await createHarness({ vars: { ASSERTION_SIGNING_KEY: JSON.stringify(key.publicJwk) } });
    const response = await h.fetch("/private", await bearerFor(h));
    expect(response.status).toBe(500);
    expect(h.originCalls).toHaveLength(0);
    const [logged] = h.events("misconfigured");
    expect(logged!.problems).toEqual([
      'ASSERTION_SIGNING_KEY: must be a private JWK (EC P-256 or OKP Ed25519); got a public key (no "d"); generate one with `npm run -s assertion-key | npx wrangler secret put ASSERTION_SIGNING_KEY`',
    ]);
    expect(JSON.stringify(h.logs)).not.toContain(key.publicJwk.x as string);
  });

  it("refuses to forward when the private part does not belong to the public part", async () => {
    const answers: unknown[] = [];
    for (const alg of ["ES256", "EdDSA"] as const) {
      const one = await makeAssertionKey(alg);
      const other = await makeAssertionKey(alg);
      const mixed = JSON.stringify({ ...one.privateJwk, d: other.privateJwk.d });
      const h = await createHarness({ vars: { ASSERTION_SIGNING_KEY: mixed } });
      const response = await h.fetch("/private", await bearerFor(h));
      expect(response.status).toBe(500);
      expect(h.originCalls).toHaveLength(0);
      expect(h.events("decision").at(-1)).toMatchObject({ outcome: "error", reason: "misconfigured" });
      expect(JSON.stringify(h.logs)).not.toContain(other.privateJwk.d as string);
      answers.push(h.events("misconfigured").at(-1)!.problems);
    }
    // Web Crypto refuses a mismatched EC key at import; an Ed25519 seed is caught by the self-test.
    expect(answers).toEqual([
      ["ASSERTION_SIGNING_KEY: the key cannot be imported for signing (DataError)"],
      ["ASSERTION_SIGNING_KEY: its private part (d) does not belong to its public part"],
    ]);
  });
});
