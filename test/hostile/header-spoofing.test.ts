import { describe, expect, it } from "vitest";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type OriginCall } from "../support/harness.ts";
import { expectForwardedAs, expectRefused } from "./forge.ts";

/** Every spelling of a header name an origin might fold together: case, and `_` for `-`. */
function spellings(name: string): string[] {
  const lower = name.toLowerCase();
  const title = lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
  const underscored = (text: string) => text.replace(/-/g, "_");
  const mixed = [...lower].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");
  const firstDashOnly = lower.replace("-", "_");
  return [
    ...new Set([
      lower,
      name.toUpperCase(),
      title,
      underscored(lower),
      underscored(title),
      mixed,
      firstDashOnly,
    ]),
  ];
}

function spoofedHeaders(names: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) for (const spelling of spellings(name)) headers[spelling] = `spoofed:${spelling}`;
  return headers;
}

function spoofedValuesAt(call: OriginCall | undefined): string[] {
  return [...(call?.headers.values() ?? [])].filter((value) => value.startsWith("spoofed:"));
}

const DEFAULT_NAMES = [
  "X-Auth-Sub",
  "X-Auth-Email",
  "X-Auth-Name",
  "X-Auth-Groups",
  "X-Auth-Issuer",
  "X-Auth-Role",
  "X-Auth-Token",
  "X-Auth-",
];

describe("identity header spoofing", () => {
  it("strips every spelling of the identity headers on a public route", async () => {
    const h = await createHarness();
    const spoofed = spoofedHeaders(DEFAULT_NAMES);
    expect(Object.keys(spoofed).length).toBeGreaterThan(40);
    const res = await h.fetch("/public/page", { headers: spoofed });
    expect(res.status).toBe(200);
    expect(spoofedValuesAt(h.originCalls[0])).toEqual([]);
    expect([...h.originCalls[0]!.headers.keys()].filter((name) => /^x[-_]auth/i.test(name))).toEqual([]);
  });

  it("on a protected route forwards only the values the worker injects, even for claims the token lacks", async () => {
    const h = await createHarness();
    // No email, name or groups in this token: spoofed ones must be removed, not merely left unset.
    const claims = validClaims(h.nowSeconds());
    delete claims.email;
    delete claims.name;
    delete claims.groups;
    const token = await signToken(h.issuer.keys[0]!, claims);
    const call = await expectForwardedAs(h, h.bearer(token, spoofedHeaders(DEFAULT_NAMES)), "user-123");
    expect(spoofedValuesAt(call)).toEqual([]);
    const identity = [...(call?.headers.entries() ?? [])].filter(([name]) => /^x[-_]auth/i.test(name));
    expect(Object.fromEntries(identity)).toEqual({
      "x-auth-sub": "user-123",
      "x-auth-issuer": "https://issuer.test",
    });
  });

  it("never calls the origin for a refused request carrying spoofed headers", async () => {
    const h = await createHarness();
    const spoofed = spoofedHeaders(DEFAULT_NAMES);
    await expectRefused(h, { headers: spoofed }, "no_credential");
    await expectRefused(h, { headers: { ...spoofed, authorization: "Bearer a.b.c" } }, "malformed");
    const expired = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds() - 7200));
    await expectRefused(h, h.bearer(expired, spoofed), "expired");
  });

  it("strips configured header names, the configured prefix and the token header in every spelling", async () => {
    const h = await createHarness({
      vars: {
        IDENTITY_HEADER_PREFIX: "X-User-",
        IDENTITY_HEADERS: { sub: "Remote-User", email: "Remote-Email", groups: "Remote-Groups" },
        FORWARD_TOKEN_HEADER: "X-Id-Token",
      },
    });
    const names = [
      "Remote-User",
      "Remote-Email",
      "Remote-Groups",
      "X-User-Sub",
      "X-User-Anything",
      "X-Id-Token",
    ];
    const spoofed = spoofedHeaders(names);
    await h.fetch("/public/x", { headers: spoofed });
    expect(spoofedValuesAt(h.originCalls[0])).toEqual([]);
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", h.bearer(token, spoofed));
    expect(res.status).toBe(200);
    const call = h.originCalls[1]!;
    expect(spoofedValuesAt(call)).toEqual([]);
    expect(call.headers.get("remote-user")).toBe("user-123");
    expect(call.headers.get("x-id-token")).toBe(token);
  });
});
