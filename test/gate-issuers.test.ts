import type { JWTPayload } from "jose";
import { describe, expect, it, vi } from "vitest";
import { Browser, NAVIGATION } from "./support/browser.ts";
import {
  FakeIssuer,
  makeSigningKey,
  type SigningKey,
  signToken,
  validClaims,
} from "./support/fake-issuer.ts";
import { createHarness, type Harness, HEALTH_DETAIL } from "./support/harness.ts";

const CI = "https://ci.test";
const API = "https://api-issuer.test";
const OKTA = "https://okta.test";
const DEPLOY_AUDIENCE = "https://deploy.example.com";
const API_AUDIENCE = "https://api.example.com";

const AUTH_ISSUERS = [
  { name: "ci", issuer: CI, audiences: [DEPLOY_AUDIENCE], token_types: ["id_token"] },
  { name: "api", issuer: API, audiences: [API_AUDIENCE], token_types: ["access_token"] },
  {
    name: "okta",
    issuer: OKTA,
    audiences: ["api://default"],
    token_types: ["access_token"],
    access_token_typ: "any",
  },
];
const AUTH_ROUTES = [
  { pattern: "/deploy/*", issuers: ["ci"], require_claims: { repository: "acme/site" } },
  { pattern: "/api/*", issuers: ["api"], require_scopes: ["orders:read"], unauthenticated: "401" },
  { pattern: "/okta/*", issuers: ["okta"], require_scopes: ["orders:read"] },
  { pattern: "/mixed/*", issuers: ["login", "api"] },
  { pattern: "*" },
];

async function setup() {
  const ci = new FakeIssuer([await makeSigningKey("ES256", "ci-1")], CI);
  const api = new FakeIssuer([await makeSigningKey("RS256", "api-1")], API);
  const okta = new FakeIssuer([await makeSigningKey("RS256", "okta-1")], OKTA);
  const h = await createHarness({ otherIssuers: [ci, api, okta], vars: { AUTH_ISSUERS, AUTH_ROUTES } });
  const now = h.nowSeconds();
  /** A GitHub Actions-like workload token (an ID token of the ci issuer). */
  const workloadToken = (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
    signToken(
      ci.keys[0]!,
      {
        iss: CI,
        sub: "repo:acme/site:ref:refs/heads/main",
        aud: DEPLOY_AUDIENCE,
        repository: "acme/site",
        ref: "refs/heads/main",
        iat: now,
        exp: now + 300,
        ...claims,
      },
      header,
    );
  /** An RFC 9068 access token of the api issuer. */
  const accessToken = (
    claims: JWTPayload = {},
    header: Record<string, unknown> = { typ: "at+jwt" },
    key: SigningKey = api.keys[0]!,
  ) =>
    signToken(
      key,
      {
        iss: API,
        sub: "user-7",
        aud: API_AUDIENCE,
        client_id: "mobile-app",
        scope: "orders:read orders:write",
        jti: "j-1",
        iat: now,
        exp: now + 300,
        ...claims,
      },
      header,
    );
  /** An Okta-shaped access token: typ JWT, `cid` instead of client_id, `scp` a list. */
  const oktaToken = (claims: JWTPayload = {}) =>
    signToken(okta.keys[0]!, {
      iss: OKTA,
      sub: "00u1",
      aud: "api://default",
      cid: "0oa1",
      scp: ["orders:read", "profile"],
      iat: now,
      exp: now + 300,
      ...claims,
    });
  const loginToken = () => signToken(h.issuer.keys[0]!, validClaims(now));
  return { h, ci, api, okta, workloadToken, accessToken, oktaToken, loginToken };
}

function lastDecision(h: Harness): Record<string, unknown> | undefined {
  return h.events("decision").at(-1);
}

describe("several issuers, selected by iss, per route", () => {
  it("forwards a workload token of the ci issuer on its route, naming the issuer and the token type", async () => {
    const { h, workloadToken } = await setup();
    const res = await h.fetch("/deploy/run", h.bearer(await workloadToken()));
    expect(res.status).toBe(200);
    expect(h.originCalls[0]!.headers.get("x-auth-issuer")).toBe(CI);
    expect(h.originCalls[0]!.headers.get("x-auth-sub")).toBe("repo:acme/site:ref:refs/heads/main");
    expect(lastDecision(h)).toMatchObject({
      outcome: "forwarded",
      issuer: CI,
      issuerName: "ci",
      tokenType: "id_token",
    });
  });

  it("refuses a token of an issuer the route does not accept (issuer_not_allowed) without any fetch", async () => {
    const { h, ci, api, workloadToken, loginToken, accessToken } = await setup();
    for (const [path, token] of [
      ["/api/orders", await workloadToken()],
      ["/api/orders", await loginToken()],
      ["/deploy/run", await accessToken()],
      ["/elsewhere", await accessToken()],
    ] as const) {
      const res = await h.fetch(path, h.bearer(token));
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
      expect(lastDecision(h)).toMatchObject({ reason: "issuer_not_allowed" });
    }
    expect([ci.providerFetchCount(), api.providerFetchCount(), h.issuer.providerFetchCount()]).toEqual([
      0, 0, 0,
    ]);
    expect(h.outbound).toEqual([]);
    expect(h.originCalls).toHaveLength(0);
  });

  it("never sends a request anywhere for a token naming an issuer that is not configured", async () => {
    const { h, accessToken } = await setup();
    const stranger = await makeSigningKey("RS256", "api-1");
    for (const iss of ["https://evil.test", `${API}/`, "https://API-issuer.test"]) {
      const res = await h.fetch(
        "/api/orders",
        h.bearer(await accessToken({ iss }, { typ: "at+jwt" }, stranger)),
      );
      expect(res.status).toBe(401);
      expect(lastDecision(h)).toMatchObject({ reason: "issuer_not_allowed" });
    }
    expect(h.outbound).toEqual([]);
  });

  it("refuses an access token where the issuer gives ID tokens only, before any key lookup (RFC 9068 §4)", async () => {
    const { h, ci, workloadToken } = await setup();
    for (const typ of ["at+jwt", "application/at+jwt", "AT+JWT"]) {
      const res = await h.fetch("/deploy/run", h.bearer(await workloadToken({}, { typ })));
      expect(res.status).toBe(401);
      expect(lastDecision(h)).toMatchObject({ reason: "token_type_not_allowed" });
    }
    expect(ci.providerFetchCount()).toBe(0);
  });

  it("refuses an ID token where the issuer gives access tokens only: typ must be at+jwt (RFC 9068 §4)", async () => {
    const { h, accessToken } = await setup();
    for (const header of [{ typ: "JWT" }, { typ: "application/jwt" }, { typ: undefined }]) {
      const token = await accessToken({ nonce: "n", aud: API_AUDIENCE }, header);
      const res = await h.fetch("/api/orders", h.bearer(token));
      expect(res.status).toBe(401);
      expect(lastDecision(h)).toMatchObject({ reason: "token_type_not_allowed" });
    }
  });

  it("forwards an RFC 9068 access token with the required scope, typed at+jwt or application/at+jwt (§2.1, §4)", async () => {
    const { h, accessToken } = await setup();
    for (const typ of ["at+jwt", "application/at+jwt"]) {
      const res = await h.fetch("/api/orders", h.bearer(await accessToken({}, { typ })));
      expect(res.status, typ).toBe(200);
    }
    expect(h.originCalls[0]!.headers.get("x-auth-issuer")).toBe(API);
    expect(h.originCalls[0]!.headers.get("x-auth-sub")).toBe("user-7");
    expect(lastDecision(h)).toMatchObject({ issuerName: "api", tokenType: "access_token" });
  });

  it("checks an access token's claims as RFC 9068 §4 and §2.2 say: aud, client_id, sub, iat, exp", async () => {
    const { h, accessToken } = await setup();
    const now = h.nowSeconds();
    const cases: [JWTPayload, string][] = [
      [{ aud: DEPLOY_AUDIENCE }, "claim_mismatch:aud"],
      [{ aud: "client-1" }, "claim_mismatch:aud"],
      [{ aud: undefined }, "claim_missing:aud"],
      [{ client_id: undefined }, "claim_missing:client_id"],
      [{ client_id: 7 }, "claim_invalid:client_id"],
      [{ sub: undefined }, "claim_missing:sub"],
      [{ iat: undefined }, "claim_missing:iat"],
      [{ exp: now - 60 }, "expired"],
    ];
    for (const [claims, reason] of cases) {
      const res = await h.fetch("/api/orders", h.bearer(await accessToken(claims)));
      expect(res.status, reason).toBe(401);
      expect(lastDecision(h)).toMatchObject({ reason });
    }
    // Other audiences may be listed next to the issuer's (a token for several resource servers).
    const shared = await accessToken({ aud: ["https://other.example.com", API_AUDIENCE] });
    expect((await h.fetch("/api/orders", h.bearer(shared))).status).toBe(200);
  });

  it("answers 403 insufficient_scope with the required scopes when one is missing (RFC 6750 §3.1)", async () => {
    const { h, accessToken } = await setup();
    for (const claims of [{ scope: "orders:write" }, { scope: undefined }, { scope: "orders:readx" }]) {
      const res = await h.fetch("/api/orders", h.bearer(await accessToken(claims)));
      expect(res.status).toBe(403);
      expect(res.headers.get("www-authenticate")).toBe(
        'Bearer realm="edge-auth", error="insufficient_scope", scope="orders:read"',
      );
      expect(await res.json()).toEqual({ error: "insufficient_scope" });
      expect(lastDecision(h)).toMatchObject({ reason: "insufficient_scope", issuerName: "api" });
    }
    expect(h.originCalls).toHaveLength(0);
  });

  it("reads scopes from scp as a list (Okta) or a space-separated string (Entra ID), for an issuer without at+jwt", async () => {
    const { h, oktaToken } = await setup();
    expect((await h.fetch("/okta/orders", h.bearer(await oktaToken()))).status).toBe(200);
    const entraStyle = await oktaToken({ scp: "profile orders:read" });
    expect((await h.fetch("/okta/orders", h.bearer(entraStyle))).status).toBe(200);
    expect(lastDecision(h)).toMatchObject({ issuerName: "okta", tokenType: "access_token" });
    const wrongShape = await oktaToken({ scp: [["orders:read"]] });
    const res = await h.fetch("/okta/orders", h.bearer(wrongShape));
    expect(res.status).toBe(403);
    expect(lastDecision(h)).toMatchObject({
      reason: "insufficient_scope",
      detail: "missing orders:read (scp is neither a string nor a list of strings)",
    });
  });

  it("does not carry a token verified on one route to a route of other issuers (verified-token cache)", async () => {
    const { h, accessToken } = await setup();
    const token = await accessToken();
    // Kept at its second verification: the third request is answered without a signature check.
    for (let i = 0; i < 2; i++) expect((await h.fetch("/mixed/page", h.bearer(token))).status).toBe(200);
    const verify = vi.spyOn(crypto.subtle, "verify");
    try {
      expect((await h.fetch("/mixed/page", h.bearer(token))).status).toBe(200);
      expect(verify).not.toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
    expect((await h.fetch("/deploy/run", h.bearer(token))).status).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "issuer_not_allowed" });
  });

  it("isolates one provider's outage: 503 for its tokens only, the other issuers' routes keep working", async () => {
    const { h, api, accessToken, workloadToken, loginToken } = await setup();
    api.jwksResponder = () => new Response("down", { status: 503 });
    const down = await h.fetch("/api/orders", h.bearer(await accessToken()));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("30");
    expect((await h.fetch("/deploy/run", h.bearer(await workloadToken()))).status).toBe(200);
    expect((await h.fetch("/reports", h.bearer(await loginToken()))).status).toBe(200);
    // On a route of two issuers, the one that is up still serves.
    expect((await h.fetch("/mixed/page", h.bearer(await loginToken()))).status).toBe(200);

    const health = await h.fetch("/auth/health", HEALTH_DETAIL);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; issuers: { name: string; usable: boolean }[] };
    expect(body.status).toBe("degraded");
    expect(body.issuers.map((i) => [i.name, i.usable])).toEqual([
      ["login", true],
      ["ci", true],
      ["api", false],
      ["okta", true],
    ]);
  });

  it("answers 503 for everything but the sign-in issuer's routes when that issuer is down, and health is unavailable", async () => {
    const { h, workloadToken, loginToken } = await setup();
    h.issuer.jwksResponder = () => new Response("down", { status: 503 });
    expect((await h.fetch("/reports", h.bearer(await loginToken()))).status).toBe(503);
    expect((await h.fetch("/deploy/run", h.bearer(await workloadToken()))).status).toBe(200);
    const health = await h.fetch("/auth/health");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "unavailable" });
  });

  it("pre-warms every issuer's keys from the cron trigger, so no request waits for a provider", async () => {
    const { h, ci, api, okta, workloadToken } = await setup();
    await h.scheduled();
    expect([h.issuer, ci, api, okta].map((issuer) => issuer.jwksFetchCount())).toEqual([1, 1, 1, 1]);
    const crons = h.events("cron_refresh").map((line) => line.name);
    expect(crons).toEqual(["login", "ci", "api", "okta"]);
    expect((await h.fetch("/deploy/run", h.bearer(await workloadToken()))).status).toBe(200);
    expect(ci.jwksFetchCount()).toBe(1);
  });

  it("fetches the keys of an issuer without discovery from its jwks_uri, and no discovery document", async () => {
    const ci = new FakeIssuer([await makeSigningKey("ES256", "ci-1")], CI);
    const issuers = [{ ...AUTH_ISSUERS[0], jwks_uri: `${CI}/jwks` }];
    const routes = [AUTH_ROUTES[0], { pattern: "*" }];
    const h = await createHarness({
      otherIssuers: [ci],
      vars: { AUTH_ISSUERS: issuers, AUTH_ROUTES: routes },
    });
    const now = h.nowSeconds();
    const token = await signToken(ci.keys[0]!, {
      iss: CI,
      sub: "repo:acme/site",
      aud: DEPLOY_AUDIENCE,
      repository: "acme/site",
      iat: now,
      exp: now + 300,
    });
    expect((await h.fetch("/deploy/run", h.bearer(token))).status).toBe(200);
    expect([ci.discoveryFetchCount(), ci.jwksFetchCount()]).toEqual([0, 1]);
  });

  it("reads groups from the issuer's own groups_claim, for X-Auth-Groups and allow rules alike", async () => {
    const api = new FakeIssuer([await makeSigningKey("RS256", "api-1")], API);
    const issuers = [{ ...AUTH_ISSUERS[1], groups_claim: "roles" }];
    const routes = [{ pattern: "/api/*", issuers: ["api"], allow: { groups: ["buyer"] } }, { pattern: "*" }];
    const h = await createHarness({
      otherIssuers: [api],
      vars: { AUTH_ISSUERS: issuers, AUTH_ROUTES: routes },
    });
    const now = h.nowSeconds();
    const token = (roles: unknown) =>
      signToken(
        api.keys[0]!,
        {
          iss: API,
          sub: "u",
          aud: API_AUDIENCE,
          client_id: "app",
          roles,
          groups: ["buyer"],
          iat: now,
          exp: now + 300,
        },
        { typ: "at+jwt" },
      );
    expect((await h.fetch("/api/orders", h.bearer(await token(["buyer", "viewer"])))).status).toBe(200);
    expect(h.originCalls[0]!.headers.get("x-auth-groups")).toBe("buyer,viewer");
    // `groups` is not this issuer's groups claim: it admits nobody.
    expect((await h.fetch("/api/orders", h.bearer(await token(["viewer"])))).status).toBe(403);
    expect((await h.fetch("/api/orders", h.bearer(await token(7)))).status).toBe(403);
    expect(lastDecision(h)).toMatchObject({
      reason: "claim_wrong_type",
      detail: "roles: number, not strings",
    });
  });

  it("answers 401, never a sign-in redirect, to a browser on a route that does not accept the sign-in issuer", async () => {
    const { h } = await setup();
    const browser = new Browser(h);
    expect((await browser.signIn("/reports")).status).toBe(303);
    // The session works where the sign-in issuer is accepted …
    expect((await browser.visit("/mixed/page")).status).toBe(200);
    // … and is not a credential where it is not.
    const res = await browser.visit("/okta/orders");
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
    expect(lastDecision(h)).toMatchObject({ reason: "no_credential" });
    const anonymous = await h.fetch("/okta/orders", { headers: NAVIGATION });
    expect(anonymous.status).toBe(401);
  });
});
