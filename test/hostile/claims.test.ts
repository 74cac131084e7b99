import { describe, expect, it } from "vitest";
import { CLIENT_ID, ISSUER, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { expectForwardedAs, expectRefused, headerFor, signRaw } from "./forge.ts";

/** A signed payload text: the valid claims with `members` spliced in as raw JSON (e.g. `"exp":1e400`). */
function claimsText(nowSeconds: number, omit: string[], members = ""): string {
  const claims: Record<string, unknown> = { ...validClaims(nowSeconds) };
  for (const name of omit) delete claims[name];
  const text = JSON.stringify(claims);
  return members ? `${text.slice(0, -1)},${members}}` : text;
}

describe("hostile claims, validly signed", () => {
  it("refuses exp that is a string, negative, 1e400, null, far ahead, or missing", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const cases: [string, string][] = [
      [`"exp":"${now + 600}"`, "claim_invalid:exp"],
      [`"exp":-1`, "claim_invalid:exp"],
      [`"exp":1e400`, "claim_invalid:exp"],
      [`"exp":-1e400`, "claim_invalid:exp"],
      [`"exp":null`, "claim_invalid:exp"],
      [`"exp":[${now + 600}]`, "claim_invalid:exp"],
      [`"exp":true`, "claim_invalid:exp"],
      [`"exp":1e300`, "claim_invalid:exp"],
      [`"exp":${now + 10 * 365 * 24 * 3600}`, "claim_invalid:exp"],
      [`"exp":${now - 3600}`, "expired"],
      ["", "claim_missing:exp"],
    ];
    for (const [member, reason] of cases) {
      const token = await signRaw(key, headerFor(key), claimsText(now, ["exp"], member));
      await expectRefused(h, h.bearer(token), reason);
    }
  });

  it("refuses iat far in the future, as a string, or missing; and nbf in the future", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const cases: [string, string][] = [
      [`"iat":${now + 3600}`, "claim_invalid:iat"],
      [`"iat":${now + 10 * 365 * 24 * 3600}`, "claim_invalid:iat"],
      [`"iat":"${now}"`, "claim_invalid:iat"],
      [`"iat":1e400`, "claim_invalid:iat"],
      ["", "claim_missing:iat"],
    ];
    for (const [member, reason] of cases) {
      const token = await signRaw(key, headerFor(key), claimsText(now, ["iat"], member));
      await expectRefused(h, h.bearer(token), reason);
    }
    const early = await signToken(key, validClaims(now, { nbf: now + 3600 }));
    await expectRefused(h, h.bearer(early), "not_yet_valid");
  });

  it("refuses several audiences without azp, an untrusted extra audience, and a foreign azp (OIDC Core §3.1.3.7)", async () => {
    const h = await createHarness({ vars: { OIDC_TRUSTED_AUDIENCES: "api.example" } });
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const refused: [Record<string, unknown>, string][] = [
      [{ aud: [CLIENT_ID, "api.example"] }, "claim_missing:azp"],
      [{ aud: [CLIENT_ID, "elsewhere"], azp: CLIENT_ID }, "claim_mismatch:aud"],
      [{ aud: [CLIENT_ID, "api.example"], azp: "api.example" }, "claim_mismatch:azp"],
      [{ aud: ["api.example"] }, "claim_mismatch:aud"],
      [{ aud: [] }, "claim_invalid:aud"],
      [{ aud: [CLIENT_ID, 7] }, "claim_invalid:aud"],
      [{ aud: `${CLIENT_ID} ` }, "claim_mismatch:aud"],
      [{ aud: CLIENT_ID.toUpperCase() }, "claim_mismatch:aud"],
    ];
    for (const [overrides, reason] of refused)
      await expectRefused(h, h.bearer(await signToken(key, validClaims(now, overrides))), reason);
    await expectForwardedAs(
      h,
      h.bearer(await signToken(key, validClaims(now, { aud: [CLIENT_ID] }))),
      "user-123",
    );
    await expectForwardedAs(
      h,
      h.bearer(await signToken(key, validClaims(now, { aud: [CLIENT_ID, "api.example"], azp: CLIENT_ID }))),
      "user-123",
    );
  });

  // A token is matched to its issuer by the exact iss, before any key lookup: a look-alike names no
  // issuer of the route, and is refused without a fetch.
  it("compares the issuer exactly: no trailing slash, no case folding, no look-alikes", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const lookAlikes = [
      `${ISSUER}/`,
      ISSUER.toUpperCase(),
      "https://Issuer.test",
      "HTTPS://issuer.test",
      `${ISSUER}:443`,
      `${ISSUER}/.`,
      `${ISSUER}#`,
      `${ISSUER}?`,
      ` ${ISSUER}`,
      "http://issuer.test",
      "https://issuer.test.attacker.test",
      "https://іssuer.test", // Cyrillic і
    ];
    for (const iss of lookAlikes)
      await expectRefused(h, h.bearer(await signToken(key, validClaims(now, { iss }))), "issuer_not_allowed");
    await expectRefused(
      h,
      h.bearer(await signToken(key, validClaims(now, { iss: [ISSUER] }))),
      "claim_invalid:iss",
    );
  });

  it("refuses a sub that is missing, empty, not a string, or longer than 255 characters", async () => {
    const h = await createHarness();
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    await expectRefused(
      h,
      h.bearer(await signRaw(key, headerFor(key), claimsText(now, ["sub"]))),
      "claim_missing:sub",
    );
    for (const sub of ["", 123, null, ["user-123"], "u".repeat(256)])
      await expectRefused(h, h.bearer(await signToken(key, validClaims(now, { sub }))), "claim_invalid:sub");
  });

  it('refuses an email rule unless email_verified is the boolean true: "false", 0, null, "true" and a missing one all count as not verified', async () => {
    const h = await createHarness({
      vars: { AUTH_ROUTES: [{ pattern: "/partners/*", allow: { email_domains: ["example.com"] } }] },
    });
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const cases: [string, string, string][] = [
      [`"email_verified":"false"`, "claim_wrong_type", "email_verified: string, not boolean"],
      [`"email_verified":"true"`, "claim_wrong_type", "email_verified: string, not boolean"],
      [`"email_verified":0`, "claim_wrong_type", "email_verified: number, not boolean"],
      [`"email_verified":1`, "claim_wrong_type", "email_verified: number, not boolean"],
      [`"email_verified":null`, "claim_wrong_type", "email_verified: null, not boolean"],
      [`"email_verified":[true]`, "claim_wrong_type", "email_verified: array, not boolean"],
      [`"email_verified":false`, "forbidden_by_policy", "email_verified: false"],
      ["", "forbidden_by_policy", "email_verified: absent"],
    ];
    for (const [member, reason, detail] of cases) {
      const token = await signRaw(key, headerFor(key), claimsText(now, ["email_verified"], member));
      await expectForbidden(h, h.bearer(token), "/partners/x", { reason, detail });
    }
    const verified = await signRaw(
      key,
      headerFor(key),
      claimsText(now, ["email_verified"], `"email_verified":true`),
    );
    await expectForwardedAs(h, h.bearer(verified), "user-123", "/partners/x");
  });

  it("admits a missing email_verified on an email rule only with EMAIL_VERIFIED_REQUIRED = false", async () => {
    const h = await createHarness({
      vars: {
        EMAIL_VERIFIED_REQUIRED: false,
        AUTH_ROUTES: [{ pattern: "/partners/*", allow: { emails: ["ada@example.com"] } }],
      },
    });
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    const missing = await signRaw(key, headerFor(key), claimsText(now, ["email_verified"]));
    await expectForwardedAs(h, h.bearer(missing), "user-123", "/partners/x");
    const asString = await signRaw(
      key,
      headerFor(key),
      claimsText(now, ["email_verified"], `"email_verified":"true"`),
    );
    await expectForbidden(h, h.bearer(asString), "/partners/x", { reason: "claim_wrong_type" });
  });

  it("refuses a group rule for a groups claim of the wrong type, and require_claims of another JSON type", async () => {
    const h = await createHarness({
      vars: {
        AUTH_ROUTES: [
          { pattern: "/admin/*", allow: { groups: ["admins"] } },
          { pattern: "/reports/*", require_claims: { email_verified: true, level: 2 } },
        ],
      },
    });
    const key = h.issuer.keys[0]!;
    const now = h.nowSeconds();
    for (const groups of [`{"admins":true}`, `["admins",1]`, "1", "null"]) {
      const token = await signRaw(key, headerFor(key), claimsText(now, ["groups"], `"groups":${groups}`));
      await expectForbidden(h, h.bearer(token), "/admin/x", { reason: "claim_wrong_type" });
    }
    for (const groups of [`"admins"`, `["staff","admins"]`]) {
      const token = await signRaw(key, headerFor(key), claimsText(now, ["groups"], `"groups":${groups}`));
      await expectForwardedAs(h, h.bearer(token), "user-123", "/admin/x");
    }
    const levelText = await signToken(key, validClaims(now, { level: "2" }));
    await expectForbidden(h, h.bearer(levelText), "/reports/x", {
      reason: "claim_wrong_type",
      detail: "level: string, require_claims wants number",
    });
    const verifiedText = await signToken(key, validClaims(now, { level: 2, email_verified: "true" }));
    await expectForbidden(h, h.bearer(verifiedText), "/reports/x", { reason: "claim_wrong_type" });
    await expectForwardedAs(
      h,
      h.bearer(await signToken(key, validClaims(now, { level: 2 }))),
      "user-123",
      "/reports/x",
    );
  });
});

/** A 403 from a verified identity the route does not admit: the origin never called, the reason logged. */
async function expectForbidden(
  h: Harness,
  init: RequestInit,
  path: string,
  expected: { reason: string; detail?: string },
): Promise<void> {
  const originCallsBefore = h.originCalls.length;
  const response = await h.fetch(path, init);
  expect(response.status).toBe(403);
  await response.arrayBuffer();
  expect(h.originCalls).toHaveLength(originCallsBefore);
  expect(h.logs.at(-1)).toMatchObject({
    event: "decision",
    outcome: "refused",
    sub: "user-123",
    ...expected,
  });
}
