import { describe, expect, it } from "vitest";
import { parseMaxAge } from "../../src/jwks/fetch-json.ts";
import { discoveryUrl, fetchDiscovery, fetchKeySet, reviveKeySet } from "../../src/jwks/sources.ts";
import type { Platform } from "../../src/platform.ts";
import { FakeIssuer, ISSUER, makeSigningKey } from "../support/fake-issuer.ts";

const limits = { timeoutMs: 100, maxBytes: 64 * 1024 };

function platformAnswering(answer: (request: Request) => Promise<Response> | Response) {
  const requests: Request[] = [];
  const platform: Platform = {
    now: () => Date.UTC(2026, 10, 22, 12),
    fetch: async (request) => {
      requests.push(request);
      return answer(request);
    },
    randomBytes: (length) => new Uint8Array(length),
    log: () => {},
  };
  return { platform, requests };
}

describe("fetching and judging the discovery document", () => {
  it("builds the URL from the issuer without its trailing slash (OIDC Discovery §4)", () => {
    expect(discoveryUrl("https://issuer.test/tenant/")).toBe(
      "https://issuer.test/tenant/.well-known/openid-configuration",
    );
  });

  it("accepts a document whose issuer equals the configured one, with its max-age", async () => {
    const issuer = new FakeIssuer([]);
    const { platform, requests } = platformAnswering(async (request) => (await issuer.handle(request))!);
    const fetched = await fetchDiscovery(platform, ISSUER, limits);
    expect(fetched).toMatchObject({
      ok: true,
      value: { value: { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` }, declaredMaxAgeSeconds: 3600 },
    });
    expect(requests[0]!.redirect).toBe("manual");
  });

  it.each([
    ["with a trailing slash", `${ISSUER}/`],
    ["in another case", ISSUER.toUpperCase()],
    ["of another provider", "https://evil.test"],
  ])("refuses a document whose issuer is the configured one %s (OIDC Discovery §4.3)", async (_, issuer) => {
    const { platform } = platformAnswering(() => Response.json({ issuer, jwks_uri: `${ISSUER}/jwks` }));
    expect(await fetchDiscovery(platform, ISSUER, limits)).toEqual({
      ok: false,
      failure: {
        reason: "discovery_unavailable",
        detail: "issuer in the document does not equal the configured issuer",
        outcome: "invalid",
      },
    });
  });

  it("refuses a jwks_uri that is not https", async () => {
    const { platform } = platformAnswering(() =>
      Response.json({ issuer: ISSUER, jwks_uri: "http://issuer.test/jwks" }),
    );
    expect(await fetchDiscovery(platform, ISSUER, limits)).toMatchObject({
      ok: false,
      failure: { detail: "jwks_uri is missing or not a secure absolute URL" },
    });
  });
});

describe("fetching and judging the JWKS", () => {
  it("keeps only the keys that pass hygiene, and stores just those", async () => {
    const good = await makeSigningKey("ES256", "good");
    const { platform } = platformAnswering(() =>
      Response.json(
        { keys: [good.publicJwk, { kty: "oct", k: "c2VjcmV0", kid: "hmac" }] },
        { headers: { "cache-control": "public, max-age=900" } },
      ),
    );
    const fetched = await fetchKeySet(platform, `${ISSUER}/jwks`, limits);
    if (!fetched.ok) throw new Error(fetched.failure.detail);
    expect([...fetched.value.value.byKid.keys()]).toEqual(["good"]);
    expect(fetched.value.stored).toEqual({ keys: [good.publicJwk] });
    expect(fetched.value.dropped).toEqual([{ index: 1, kid: "hmac", reason: "symmetric key" }]);
    expect(fetched.value.declaredMaxAgeSeconds).toBe(900);
  });

  it.each([
    ["status 500", () => new Response("oops", { status: 500 }), "status 500"],
    [
      "a redirect, which it does not follow",
      () => new Response(null, { status: 301, headers: { location: "https://evil.test/jwks" } }),
      "status 301",
    ],
    ["a body that is not JSON", () => new Response("<html>"), "body is not JSON"],
    ["JSON that is not a JWKS", () => Response.json({ keys: {} }), "response is not a JWKS"],
    ["a JWKS without keys", () => Response.json({ keys: [] }), "no usable signing key (0 dropped)"],
    [
      "a declared length over the cap",
      () => new Response("{}", { headers: { "content-length": String(10 * 1024 * 1024) } }),
      `body of ${10 * 1024 * 1024} bytes exceeds 65536`,
    ],
    ["a body over the cap", () => new Response("x".repeat(65 * 1024)), "body exceeds 65536 bytes"],
    ["no answer within the timeout", () => new Promise<Response>(() => {}), "timed out after 100 ms"],
    [
      "a body that stops arriving",
      () =>
        new Response(
          new ReadableStream({
            start: (controller) => controller.enqueue(new TextEncoder().encode('{"keys":[')),
          }),
        ),
      "timed out after 100 ms",
    ],
    ["a network error", () => Promise.reject(new TypeError("connection reset")), "network error: TypeError"],
  ])("fails on %s", async (_, answer, detail) => {
    const { platform } = platformAnswering(answer);
    expect(await fetchKeySet(platform, `${ISSUER}/jwks`, limits)).toMatchObject({
      ok: false,
      failure: { reason: "jwks_unavailable", detail },
    });
  });

  it("judges a stored key set again when it is revived from KV", async () => {
    const good = await makeSigningKey("ES256", "good");
    expect((await reviveKeySet({ keys: [good.publicJwk] }))?.byKid.has("good")).toBe(true);
    expect(await reviveKeySet({ keys: [{ kty: "oct", k: "c2VjcmV0" }] })).toBeUndefined();
    expect(await reviveKeySet("garbage")).toBeUndefined();
  });
});

describe("max-age from Cache-Control (RFC 9111 §5.2.2)", () => {
  it.each([
    ["max-age=600", 600],
    ["public, max-age=3600, must-revalidate", 3600],
    ['max-age="120"', 120],
    ["no-store", 0],
    ["no-cache, max-age=600", 0],
    ["private", undefined],
    [null, undefined],
  ])("reads %s as %s", (header, expected) => {
    expect(parseMaxAge(header)).toBe(expected);
  });
});
