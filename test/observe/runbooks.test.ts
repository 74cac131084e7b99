/**
 * One test per runbook of docs/operations.md: each simulates the failure mode of the seed's table
 * (shared/seeds/id-token-operations-guide.txt, F1–F8, and the IdP outage at login time) and checks
 * what the runbook says edge-auth does by itself and what the operator sees: the decision's reason,
 * the data points, and the health document.
 */
import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkIdTokenClaims } from "../../src/jwt/claims.ts";
import { revocationKey } from "../../src/revocation/revocation-document.ts";
import { CLIENT_ID, ISSUER, makeSigningKey, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness, HEALTH_DETAIL } from "../support/harness.ts";

interface HealthBody {
  status: string;
  config: { fingerprint: string };
  issuers: {
    usable: boolean;
    keys: { tier: string; kids: string[] } | null;
    lastFetch: { document: string; outcome: string; status?: number } | null;
  }[];
  revocations: { entries: number };
}

async function health(h: Harness): Promise<{ status: number; body: HealthBody }> {
  const res = await h.fetch("/auth/health", HEALTH_DETAIL);
  return { status: res.status, body: (await res.json()) as HealthBody };
}

function reasons(h: Harness): string[] {
  return h.metrics!.decisions().map((row) => String(row.reason || row.outcome));
}

describe("runbooks: each failure mode, simulated", () => {
  it("F5 JWKS outage: cached keys keep serving, health degrades, 503 (never 401) only once the keys are gone", async () => {
    const h = await createHarness();
    const token = await signToken(
      h.issuer.keys[0]!,
      validClaims(h.nowSeconds(), { exp: h.nowSeconds() + 8 * 3600 }),
    );
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);

    h.issuer.jwksResponder = () => new Response("bad gateway", { status: 502 });
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    // A token with a new kid forces a refresh, which fails: it may be a rotation edge-auth cannot check
    // yet, so 503 (never 401); the operator sees it in health and metrics.
    const rotated = await signToken(await makeSigningKey("RS256", "rsa-new"), validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(rotated))).status).toBe(503);
    const degraded = await health(h);
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe("degraded");
    expect(degraded.body.issuers[0]).toMatchObject({
      usable: true,
      keys: { tier: "memory" },
      lastFetch: { document: "jwks", outcome: "http_status", status: 502 },
    });
    expect(h.metrics!.providerFetches().at(-1)).toMatchObject({
      document: "jwks",
      outcome: "http_status",
      status: 502,
    });

    h.clock.nowMs += 7 * 3600_000; // past max-age and max-stale: no usable keys remain
    const refused = await h.fetch("/private", h.bearer(token));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect((await health(h)).status).toBe(503);
    expect(reasons(h)).toEqual(["forwarded", "forwarded", "jwks_unavailable", "jwks_unavailable"]);

    h.issuer.jwksResponder = undefined; // the provider is back: the first request after the backoff recovers
    h.clock.nowMs += 30_000; // JWKS_FAILURE_BACKOFF_SECONDS
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(200);
    expect((await health(h)).body.status).toBe("ok");
  });

  it("F1 key rotation: a new kid is fetched once, the old key goes with the next refresh, forgeries are bad_signature", async () => {
    const h = await createHarness();
    const now = h.nowSeconds();
    expect(
      (await h.fetch("/private", h.bearer(await signToken(h.issuer.keys[0]!, validClaims(now))))).status,
    ).toBe(200);

    const next = await makeSigningKey("RS256", "rsa-2");
    const old = h.issuer.keys[0]!;
    h.issuer.keys = [old, next];
    const res = await h.fetch("/private", h.bearer(await signToken(next, validClaims(now))));
    expect(res.status).toBe(200);
    expect(h.metrics!.decisions().at(-1)).toMatchObject({ kid: "rsa-2", tier: "provider" });
    expect(h.issuer.jwksFetchCount()).toBe(2);
    expect((await health(h)).body.issuers[0]!.keys!.kids).toEqual(["rsa-1", "rsa-2"]);

    // A flood of unknown kids costs at most one fetch per UNKNOWN_KID_COOLDOWN_SECONDS.
    for (const kid of ["x1", "x2", "x3"])
      await h.fetch("/private", h.bearer(await signToken(next, validClaims(now), { kid })));
    expect(h.issuer.jwksFetchCount()).toBe(2);

    const forged = await signToken(await makeSigningKey("RS256", "rsa-2"), validClaims(now));
    expect((await h.fetch("/private", h.bearer(forged))).status).toBe(401);
    expect(reasons(h).slice(-4)).toEqual(["unknown_kid", "unknown_kid", "unknown_kid", "bad_signature"]);

    h.issuer.keys = [next]; // the provider retires the old key
    h.clock.nowMs += 601_000;
    // The set is now stale: it serves this request while the refresh runs behind it…
    const oldToken = await signToken(old, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(oldToken))).status).toBe(200);
    // …and from the refreshed set on, the retired key is no longer trusted.
    expect((await h.fetch("/private", h.bearer(oldToken))).status).toBe(401);
    expect(reasons(h).at(-1)).toBe("unknown_kid");
  });

  it("F3 audience mismatch after a deploy: every token refused as claim_mismatch:aud, and the fingerprint moved", async () => {
    const good = await createHarness();
    const broken = await createHarness({ issuer: good.issuer, vars: { OIDC_CLIENT_ID: "client-typo" } });
    const token = await signToken(good.issuer.keys[0]!, validClaims(good.nowSeconds()));
    for (let i = 0; i < 3; i++)
      expect((await broken.fetch("/private", broken.bearer(token))).status).toBe(401);
    expect(reasons(broken)).toEqual(["claim_mismatch:aud", "claim_mismatch:aud", "claim_mismatch:aud"]);
    expect((await health(broken)).body.status).toBe("ok"); // keys are fine: the configuration is not
    expect((await health(broken)).body.config.fingerprint).not.toBe(
      (await health(good)).body.config.fingerprint,
    );
    // Rolling back (the good configuration) serves the same token.
    expect((await good.fetch("/private", good.bearer(token))).status).toBe(200);
  });

  it("F2 clock skew: within CLOCK_LEEWAY_SECONDS tokens pass; beyond it they are expired or issued in the future", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const idpAhead20 = await signToken(key, validClaims(now, { iat: now + 20 }));
    const idpAhead45 = await signToken(key, validClaims(now, { iat: now + 45 }));
    const expired45 = await signToken(key, validClaims(now - 700, { exp: now - 45 }));
    expect((await h.fetch("/private", h.bearer(idpAhead20))).status).toBe(200);
    expect((await h.fetch("/private", h.bearer(idpAhead45))).status).toBe(401);
    expect((await h.fetch("/private", h.bearer(expired45))).status).toBe(401);
    expect(reasons(h)).toEqual(["forwarded", "claim_invalid:iat", "expired"]);
    expect(h.logs.filter((line) => line.event === "decision").at(-1)).toMatchObject({
      detail: "expired 45s ago",
    });

    const lenient = await createHarness({ issuer: h.issuer, vars: { CLOCK_LEEWAY_SECONDS: 60 } });
    expect((await lenient.fetch("/private", lenient.bearer(idpAhead45))).status).toBe(200);
    expect((await lenient.fetch("/private", lenient.bearer(expired45))).status).toBe(200);
  });

  it("F6 oversized claims: a token over the size cap is refused as token_too_large before any parsing", async () => {
    const h = await createHarness();
    const groups = Array.from({ length: 800 }, (_, i) => `group-with-a-long-name-${i}`);
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds(), { groups }));
    expect(token.length).toBeGreaterThan(16 * 1024);
    expect((await h.fetch("/private", h.bearer(token))).status).toBe(401);
    expect(reasons(h)).toEqual(["token_too_large"]);
    expect(h.logs.find((line) => line.event === "decision")).toMatchObject({
      detail: `${token.length} bytes`,
    });
    expect(h.issuer.jwksFetchCount()).toBe(0);
  });

  it("F7 token replay after a leak: revoking the subject refuses it within one cache interval, and shows in health", async () => {
    const h = await createHarness();
    const leaked = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(leaked))).status).toBe(200);
    const now = h.nowSeconds();
    await workerEnv.AUTH_KV.put(
      revocationKey(ISSUER),
      JSON.stringify({
        version: 1,
        issuer: ISSUER,
        updatedAt: now,
        entries: [{ type: "sub", value: "user-123", createdAt: now, expiresAt: now + 3600 }],
      }),
    );
    h.clock.nowMs += 10_000; // REVOCATION_CACHE_SECONDS
    await h.fetch("/private", h.bearer(leaked)); // served from the cached document; refreshes it
    expect((await h.fetch("/private", h.bearer(leaked))).status).toBe(401);
    expect(reasons(h).at(-1)).toBe("revoked");
    expect((await health(h)).body.revocations.entries).toBe(1);
  });

  it("F8 an access token or a token for another purpose is refused; route rules bound what an ID token may reach", async () => {
    const h = await createHarness({
      vars: { AUTH_ROUTES: [{ pattern: "/api/admin/*", allow: { groups: ["admins"] } }, { pattern: "*" }] },
    });
    const key = h.issuer.keys[0]!;
    const accessToken = await signToken(key, validClaims(h.nowSeconds(), { scope: "admin" }), {
      typ: "at+jwt",
    });
    expect((await h.fetch("/api/admin/users", h.bearer(accessToken))).status).toBe(401);
    const idToken = await signToken(key, validClaims(h.nowSeconds()));
    expect((await h.fetch("/api/admin/users", h.bearer(idToken))).status).toBe(403);
    expect(reasons(h)).toEqual(["token_type_not_allowed", "forbidden_by_policy"]);
  });

  it("F4 missing nonce: the callback's check names the reason (the browser flow itself is tested with the login flow)", () => {
    const now = 1_800_000_000;
    const claims = { iss: ISSUER, sub: "u", aud: CLIENT_ID, iat: now, exp: now + 600 };
    const expect_ = {
      issuer: ISSUER,
      clientIds: [CLIENT_ID],
      trustedAudiences: [],
      checkAuthorizedParty: true,
      clockLeewaySeconds: 30,
      maxTokenLifetimeSeconds: 86_400,
      nonce: "n-0S6_WzA2Mj",
    };
    const missing = checkIdTokenClaims(claims, expect_, now);
    expect(!missing.ok && missing.failure.reason).toBe("claim_missing:nonce");
    const replayed = checkIdTokenClaims({ ...claims, nonce: "an-older-nonce" }, expect_, now);
    expect(!replayed.ok && replayed.failure.reason).toBe("claim_mismatch:nonce");
  });

  it("IdP outage: with the provider's discovery down on a cold isolate, bearer requests get 503 and health names discovery", async () => {
    const h = await createHarness();
    h.issuer.discoveryResponder = () => Promise.reject(new TypeError("connection refused"));
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/private", h.bearer(token));
    expect(res.status).toBe(503);
    expect(reasons(h)).toEqual(["discovery_unavailable"]);
    const { status, body } = await health(h);
    expect(status).toBe(503);
    expect(body.issuers[0]).toMatchObject({
      usable: false,
      lastFetch: { document: "discovery", outcome: "network" },
    });
    // The health check inside the failure backoff (JWKS_FAILURE_BACKOFF_SECONDS) does not ask again.
    expect(h.metrics!.providerFetches().map((row) => `${row.document}:${row.outcome}`)).toEqual([
      "discovery:network",
    ]);
  });
});
