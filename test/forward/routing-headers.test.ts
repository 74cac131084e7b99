import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import {
  CLIENT_ROUTING_HEADER_PREFIXES,
  CLIENT_ROUTING_HEADERS,
  isClientRoutingHeader,
} from "../../src/forward/routing-headers.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const LISTED = Object.values(CLIENT_ROUTING_HEADERS).flat();

/** The `X-Forwarded-*` members origins and proxies are known to read, each under the prefix rule. */
const FORWARDED_FAMILY = [
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-server",
  "x-forwarded-uri",
  "x-forwarded-path",
  "x-forwarded-method",
  "x-forwarded-ssl",
  "x-forwarded-scheme",
];

/** The spellings an origin may fold into one name: case, and `_` for `-` (CGI-style servers). */
function spellings(name: string): string[] {
  const title = name.replace(
    /(^|-)([a-z])/g,
    (_m, dash: string, letter: string) => dash + letter.toUpperCase(),
  );
  return [name, name.toUpperCase(), title, title.replace(/-/g, "_"), name.toUpperCase().replace(/-/g, "_")];
}

/** Every listed header and every forwarded one, in every spelling, each with a value naming it. */
function hostileHeaders(): Headers {
  const headers = new Headers();
  for (const name of [...LISTED, ...FORWARDED_FAMILY])
    for (const spelling of spellings(name)) headers.append(spelling, `/admin?from=${spelling}`);
  return headers;
}

/** Headers a client may send and the origin must still get: near-misses of the list included. */
const KEPT = {
  accept: "text/html",
  "x-request-id": "req-1",
  "x-original-host-name": "kept",
  "x-forwarder": "kept",
  // Sent by Next.js's own client router: not internal.
  "x-middleware-prefetch": "1",
  "x-nextjs-data": "1",
  "cf-connecting-ip": "203.0.113.7",
};

function expectNoRoutingHeaders(h: Harness): void {
  expect(h.originCalls).toHaveLength(1);
  const seen = [...h.originCalls[0]!.headers.keys()];
  expect(seen.filter(isClientRoutingHeader)).toEqual([]);
  for (const [name, value] of Object.entries(KEPT)) expect(h.originCalls[0]!.headers.get(name)).toBe(value);
}

function hostileRequest(extra: Record<string, string> = {}): RequestInit {
  const headers = hostileHeaders();
  for (const [name, value] of Object.entries({ ...KEPT, ...extra })) headers.set(name, value);
  return { headers };
}

describe("client-sent routing headers never reach the origin", () => {
  it("removes every listed header in every spelling on a public route", async () => {
    const h = await createHarness();
    const res = await h.fetch("/public/page", hostileRequest());
    expect(res.status).toBe(200);
    expectNoRoutingHeaders(h);
  });

  it("removes every listed header in every spelling on a protected route, next to the identity", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", hostileRequest({ authorization: `Bearer ${token}` }));
    expect(res.status).toBe(200);
    expectNoRoutingHeaders(h);
    expect(h.originCalls[0]!.headers.get("x-auth-sub")).toBe("user-123");
  });

  it("blocks the Next.js middleware bypass (CVE-2025-29927) whatever the value", async () => {
    const h = await createHarness();
    await h.fetch("/public/x", {
      headers: {
        "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware",
        X_Middleware_Subrequest: "src/middleware",
      },
    });
    expect(h.originCalls[0]!.headers.get("x-middleware-subrequest")).toBeNull();
    expect(h.originCalls[0]!.headers.get("x_middleware_subrequest")).toBeNull();
  });

  it("reads any name under the X-Forwarded- prefix as forwarded, and only whole listed names otherwise", () => {
    expect(CLIENT_ROUTING_HEADER_PREFIXES).toEqual(["x-forwarded-"]);
    expect(isClientRoutingHeader("X-Forwarded-Anything-New")).toBe(true);
    expect(isClientRoutingHeader("x_forwarded_client_cert")).toBe(true);
    expect(isClientRoutingHeader("X-Original-URL")).toBe(true);
    expect(isClientRoutingHeader("X-Original-URL-Note")).toBe(false);
    expect(isClientRoutingHeader("X-Forwarder")).toBe(false);
    expect(isClientRoutingHeader("Forwarded-By")).toBe(false);
  });

  it("lists each name once, in the form it is compared in (lower case, with -)", () => {
    expect(new Set(LISTED).size).toBe(LISTED.length);
    for (const name of LISTED) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe('FORWARDED_HEADERS = "set"', () => {
  const client = {
    "x-forwarded-for": "10.0.0.1",
    "X-Forwarded-Host": "attacker.test",
    x_forwarded_proto: "http",
    forwarded: "for=10.0.0.1;host=attacker.test;proto=http",
  };

  it("writes X-Forwarded-For/-Proto/-Host from the connection, never from the client", async () => {
    const h = await createHarness({ vars: { FORWARDED_HEADERS: "set" } });
    await h.fetch("/public/x", { headers: { ...client, "cf-connecting-ip": "203.0.113.7" } });
    const seen = h.originCalls[0]!.headers;
    expect(seen.get("x-forwarded-for")).toBe("203.0.113.7");
    expect(seen.get("x-forwarded-proto")).toBe("https");
    expect(seen.get("x-forwarded-host")).toBe("site.test");
    expect(seen.get("forwarded")).toBeNull();
    expect([...seen.keys()].filter((name) => name.includes("_"))).toEqual([]);
  });

  it("sets them on protected routes too, and leaves X-Forwarded-For out without CF-Connecting-IP", async () => {
    const h = await createHarness({ vars: { FORWARDED_HEADERS: "set" } });
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    await h.fetch("http://127.0.0.1:8787/private", h.bearer(token, client));
    const seen = h.originCalls[0]!.headers;
    expect(seen.get("x-forwarded-for")).toBeNull();
    expect(seen.get("x-forwarded-proto")).toBe("http");
    expect(seen.get("x-forwarded-host")).toBe("127.0.0.1:8787");
  });

  it('strips the client\'s copies and sets none by default ("strip")', async () => {
    const h = await createHarness();
    await h.fetch("/public/x", { headers: { ...client, "cf-connecting-ip": "203.0.113.7" } });
    const seen = h.originCalls[0]!.headers;
    for (const name of ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"])
      expect(seen.get(name)).toBeNull();
  });

  it("refuses any other value, naming the setting and the choices", () => {
    const loaded = loadConfig({
      OIDC_ISSUER: "https://issuer.test",
      OIDC_CLIENT_ID: "client-1",
      AUTH_ROUTES: [{ pattern: "*" }],
      FORWARDED_HEADERS: "keep",
    });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.failure).toEqual([
      { path: "FORWARDED_HEADERS", message: 'must be "strip" (the default) or "set"' },
    ]);
  });
});
