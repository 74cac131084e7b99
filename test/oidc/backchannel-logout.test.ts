import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { BACKCHANNEL_LOGOUT_EVENT } from "../../src/oidc/logout-token.ts";
import { Browser, NAVIGATION } from "../support/browser.ts";
import {
  CLIENT_ID,
  ISSUER,
  makeSigningKey,
  type SigningKey,
  signToken,
  validClaims,
} from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const PATH = "/auth/backchannel-logout";
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const INVALID = { error: "invalid_request", error_description: "The logout token is not valid." };
const REPLAYED = { error: "invalid_request", error_description: "The logout token was used before." };

/** Claims of a valid logout token (Back-Channel Logout 1.0 §2.4) at `nowSeconds`. */
function logoutClaims(nowSeconds: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: CLIENT_ID,
    iat: nowSeconds,
    exp: nowSeconds + 120,
    jti: crypto.randomUUID(),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    sid: "sid-1",
    ...overrides,
  };
}

async function logoutToken(
  key: SigningKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { typ: "logout+jwt" },
): Promise<string> {
  const withoutUndefined = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  return new SignJWT(withoutUndefined)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

function post(h: Harness, body: string, headers: Record<string, string> = FORM, fetcher = h.fetch) {
  return fetcher(PATH, { method: "POST", headers, body });
}

function sendToken(h: Harness, token: string, fetcher = h.fetch) {
  return post(h, new URLSearchParams({ logout_token: token }).toString(), FORM, fetcher);
}

async function signedIn(
  h: Harness,
  claims: Record<string, unknown>,
): Promise<{ browser: Browser; idToken: string }> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private", { claims })).status).toBe(303);
  return { browser, idToken: h.provider.issuedIdTokens.at(-1)! };
}

function lastDecision(h: Harness): Record<string, unknown> | undefined {
  return h.events("decision").at(-1);
}

async function statusOf(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

describe("POST /auth/backchannel-logout with a valid logout token", () => {
  it("ends the sessions of its sid: 200 no-store, the cookie leads to sign-in, the ID token is refused as a bearer (§2.7, §2.8)", async () => {
    const h = await createHarness();
    const ended = await signedIn(h, { sid: "sid-1" });
    const other = await signedIn(h, { sid: "sid-2" });
    expect(await statusOf(await h.fetch("/private", h.bearer(ended.idToken)))).toBe(200);

    const res = await sendToken(h, await logoutToken(h.issuer.keys[0]!, logoutClaims(h.nowSeconds())));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.text()).toBe("");
    expect(lastDecision(h)).toMatchObject({ route: PATH, outcome: "logout", status: 200, issuer: ISSUER });
    expect(h.events("backchannel_logout")).toEqual([
      { event: "backchannel_logout", issuer: ISSUER, by: "sid", ended: 1 },
    ]);

    const page = await ended.browser.visit("/private");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/auth/login?return_to=%2Fprivate");
    const bearer = await h.fetch("/private", h.bearer(ended.idToken));
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth", error="invalid_token"');
    expect(lastDecision(h)).toMatchObject({ outcome: "refused", reason: "revoked", credential: "bearer" });

    // The same user's session of another sid goes on.
    expect(await statusOf(await other.browser.visit("/private"))).toBe(200);
    expect(await statusOf(await h.fetch("/private", h.bearer(other.idToken)))).toBe(200);
  });

  it("ends every session of its sub when it names no sid, and no one else's (§2.7)", async () => {
    const h = await createHarness();
    const first = await signedIn(h, { sid: "sid-1" });
    const second = await signedIn(h, { sid: "sid-2" });
    const someoneElse = await signedIn(h, { sub: "user-456", sid: "sid-3" });

    const token = await logoutToken(
      h.issuer.keys[0]!,
      logoutClaims(h.nowSeconds(), { sid: undefined, sub: "user-123" }),
    );
    expect(await statusOf(await sendToken(h, token))).toBe(200);
    expect(h.events("backchannel_logout")).toMatchObject([{ by: "sub", ended: 2 }]);

    for (const { browser, idToken } of [first, second]) {
      expect(await statusOf(await browser.visit("/private"))).toBe(302);
      expect(await statusOf(await h.fetch("/private", h.bearer(idToken)))).toBe(401);
    }
    expect(await statusOf(await someoneElse.browser.visit("/private"))).toBe(200);
    // Signing in again after the logout works: only what was issued before it is refused.
    h.advanceSeconds(1);
    const again = await signedIn(h, { sid: "sid-4" });
    expect(await statusOf(await again.browser.visit("/private"))).toBe(200);
  });

  it("is seen by another isolate: the session is gone from KV and, after REVOCATION_CACHE_SECONDS, its ID token is refused", async () => {
    const h = await createHarness();
    const { browser, idToken } = await signedIn(h, { sid: "sid-1" });
    const warm = h.otherIsolate();
    expect(await statusOf(await warm("/private", h.bearer(idToken)))).toBe(200);

    expect(
      await statusOf(await sendToken(h, await logoutToken(h.issuer.keys[0]!, logoutClaims(h.nowSeconds())))),
    ).toBe(200);

    const cookie = { headers: { ...NAVIGATION, cookie: browser.cookieHeader() } };
    expect(await statusOf(await h.otherIsolate()("/private", cookie))).toBe(302);
    expect(await statusOf(await h.otherIsolate()("/private", h.bearer(idToken)))).toBe(401);
    h.advanceSeconds(11);
    await statusOf(await warm("/private", h.bearer(idToken)));
    expect(await statusOf(await warm("/private", h.bearer(idToken)))).toBe(401);
  });

  it("is seen by a warm isolate within REVOCATION_FENCE_INTERVAL_MS through the revocation fence", async () => {
    const h = await createHarness();
    const { idToken } = await signedIn(h, { sid: "sid-2" });
    const warm = h.otherIsolate();
    expect(await statusOf(await warm("/private", h.bearer(idToken)))).toBe(200);

    expect(
      await statusOf(
        await sendToken(
          h,
          await logoutToken(h.issuer.keys[0]!, logoutClaims(h.nowSeconds(), { sid: "sid-2" })),
        ),
      ),
    ).toBe(200);

    expect(await statusOf(await warm("/private", h.bearer(idToken)))).toBe(200);
    h.clock.nowMs += 500;
    expect(await statusOf(await warm("/private", h.bearer(idToken)))).toBe(401);
  });

  it("refuses a bearer ID token of that sid issued before the logout even when no session held it", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const idToken = await signToken(key, validClaims(h.nowSeconds(), { sid: "sid-9" }));
    expect(await statusOf(await h.fetch("/private", h.bearer(idToken)))).toBe(200);
    h.advanceSeconds(5);

    const token = await logoutToken(key, logoutClaims(h.nowSeconds(), { sid: "sid-9" }));
    expect(await statusOf(await sendToken(h, token))).toBe(200);
    expect(h.events("backchannel_logout")).toMatchObject([{ by: "sid", ended: 0 }]);

    expect(await statusOf(await h.fetch("/private", h.bearer(idToken)))).toBe(401);
    expect(lastDecision(h)).toMatchObject({ reason: "revoked", detail: "revoked by a sid entry" });
    // An ID token of that sid issued after the logout is not refused by it.
    h.advanceSeconds(1);
    const later = await signToken(key, validClaims(h.nowSeconds(), { sid: "sid-9" }));
    expect(await statusOf(await h.fetch("/private", h.bearer(later)))).toBe(200);
  });

  it('accepts a token without typ and one typed "application/logout+jwt" (§2.4, RFC 7515 §4.1.9)', async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    expect(await statusOf(await sendToken(h, await logoutToken(key, logoutClaims(h.nowSeconds()), {})))).toBe(
      200,
    );
    const typed = await logoutToken(key, logoutClaims(h.nowSeconds()), { typ: "application/logout+jwt" });
    expect(await statusOf(await sendToken(h, typed))).toBe(200);
  });
});

describe("POST /auth/backchannel-logout refuses", () => {
  it("a replayed jti with 400 invalid_request, in this isolate and in another one that reads KV (§2.6 step 10)", async () => {
    const h = await createHarness();
    const token = await logoutToken(h.issuer.keys[0]!, logoutClaims(h.nowSeconds()));
    expect(await statusOf(await sendToken(h, token))).toBe(200);

    for (const fetcher of [h.fetch, h.otherIsolate()]) {
      const res = await sendToken(h, token, fetcher);
      expect(res.status).toBe(400);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(await res.json()).toEqual(REPLAYED);
      expect(lastDecision(h)).toMatchObject({
        outcome: "refused",
        reason: "logout_token_replayed",
        status: 400,
      });
    }
  });

  const now = Math.floor(Date.UTC(2026, 10, 22, 12, 0, 0) / 1000);
  const cases: {
    name: string;
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    detail: RegExp;
  }[] = [
    {
      name: "iss of another issuer (§2.6 step 4)",
      claims: { iss: "https://other.test" },
      detail: /iss is not the issuer/,
    },
    { name: "no iss", claims: { iss: undefined }, detail: /iss is missing/ },
    {
      name: "aud without the client id (§2.6 step 4)",
      claims: { aud: ["someone-else"] },
      detail: /aud does not contain/,
    },
    { name: "no aud", claims: { aud: undefined }, detail: /aud is missing/ },
    { name: "no iat (§2.6 step 4)", claims: { iat: undefined }, detail: /iat is missing/ },
    {
      name: "iat in the future beyond the leeway",
      claims: { iat: now + 31 },
      detail: /iat is in the future/,
    },
    {
      name: "iat older than the accepted window",
      claims: { iat: now - 631, exp: now + 60 },
      detail: /iat is too old/,
    },
    {
      name: "an exp that has passed (§2.6 step 4)",
      claims: { iat: now - 200, exp: now - 31 },
      detail: /expired/,
    },
    { name: "no jti (§2.4)", claims: { jti: undefined }, detail: /jti is missing/ },
    { name: "no events (§2.6 step 6)", claims: { events: undefined }, detail: /events is missing/ },
    {
      name: "events without the back-channel member",
      claims: { events: { "http://example.com/other": {} } },
      detail: /no back-channel logout member/,
    },
    {
      name: "a back-channel member that is not a JSON object",
      claims: { events: { [BACKCHANNEL_LOGOUT_EVENT]: "yes" } },
      detail: /not a JSON object/,
    },
    {
      name: "neither sid nor sub (§2.6 step 7)",
      claims: { sid: undefined, sub: undefined },
      detail: /neither sid nor sub/,
    },
    { name: "a nonce (§2.6 step 8)", claims: { nonce: "n-1" }, detail: /nonce is present/ },
    {
      name: 'typ "JWT": an ID token, not a logout token (§2.4)',
      header: { typ: "JWT" },
      detail: /unsupported_token_type/,
    },
    { name: 'typ "at+jwt"', header: { typ: "at+jwt" }, detail: /unsupported_token_type/ },
    { name: 'typ "dpop+jwt"', header: { typ: "dpop+jwt" }, detail: /unsupported_token_type/ },
  ];
  for (const { name, claims, header, detail } of cases)
    it(`a logout token with ${name}: 400 invalid_request, no-store, and no session ends`, async () => {
      const h = await createHarness();
      const { browser } = await signedIn(h, { sid: "sid-1" });
      const token = await logoutToken(
        h.issuer.keys[0]!,
        logoutClaims(now, claims),
        header ?? { typ: "logout+jwt" },
      );
      const res = await sendToken(h, token);
      expect(res.status).toBe(400);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(await res.json()).toEqual(INVALID);
      const decision = lastDecision(h)!;
      expect(decision).toMatchObject({ outcome: "refused", reason: "logout_token_invalid", status: 400 });
      expect(String(decision.detail)).toMatch(detail);
      expect(await statusOf(await browser.visit("/private"))).toBe(200);
    });

  it("a token signed with a key that is not the issuer's, and one with an algorithm off the allow-list (§2.6 steps 2-3)", async () => {
    const h = await createHarness({ vars: { OIDC_ALLOWED_ALGS: ["RS256"] } });
    const stranger = await makeSigningKey("RS256", "rsa-1");
    const ecKey = await makeSigningKey("ES256", "ec-1");
    h.issuer.keys.push(ecKey);
    for (const [key, detail] of [
      [stranger, /bad_signature/],
      [ecKey, /alg_not_allowed/],
    ] as const) {
      const res = await sendToken(h, await logoutToken(key, logoutClaims(h.nowSeconds())));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(INVALID);
      expect(String(lastDecision(h)!.detail)).toMatch(detail);
    }
  });

  it("a request without exactly one logout_token in a form body (§2.5)", async () => {
    const h = await createHarness();
    const token = await logoutToken(h.issuer.keys[0]!, logoutClaims(h.nowSeconds()));
    const requests: [string, Record<string, string>, RegExp][] = [
      ["", FORM, /no logout_token/],
      [`logout_token=${token}&logout_token=${token}`, FORM, /more than once/],
      ["logout_token=", FORM, /empty/],
      [JSON.stringify({ logout_token: token }), { "content-type": "application/json" }, /content-type/],
      [`logout_token=${"a".repeat(20_000)}`, FORM, /too large/],
      ["logout_token=not.a-token", FORM, /malformed/],
    ];
    for (const [body, headers, detail] of requests) {
      const res = await post(h, body, headers);
      expect(res.status).toBe(400);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(await res.json()).toEqual(INVALID);
      expect(String(lastDecision(h)!.detail)).toMatch(detail);
    }
    // The valid token was never used: it still works.
    expect(await statusOf(await sendToken(h, token))).toBe(200);
  });

  it("any method but POST with 405 and Allow: POST", async () => {
    const h = await createHarness();
    const res = await h.fetch(PATH);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
