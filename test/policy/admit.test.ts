import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { sealVerifiedIdentity } from "../../src/identity.ts";
import { judgeAccess } from "../../src/policy/admit.ts";
import { matchRoute } from "../../src/policy/match-route.ts";

function routeWith(rule: Record<string, unknown>) {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://i.test",
    OIDC_CLIENT_ID: "c",
    AUTH_ROUTES: [{ pattern: "*", ...rule }],
  });
  if (!loaded.ok) throw new Error(loaded.failure.map((p) => p.message).join("; "));
  return loaded.value.routes[0]!;
}

const identity = (claims: Record<string, unknown>) =>
  sealVerifiedIdentity({ iss: "https://i.test", sub: "u", exp: 1, ...claims }, "groups");

const RULES = { groupsClaim: "groups", emailVerifiedRequired: true };

function admits(
  route: ReturnType<typeof routeWith>,
  who: ReturnType<typeof identity>,
  rules = RULES,
): boolean {
  return judgeAccess(route, who, rules).admitted;
}

/** The log reason and detail of a refusal (undefined when admitted). */
function refusal(route: ReturnType<typeof routeWith>, who: ReturnType<typeof identity>, rules = RULES) {
  const verdict = judgeAccess(route, who, rules);
  return verdict.admitted ? undefined : { reason: verdict.failure.reason, detail: verdict.failure.detail };
}

describe("route claim rules", () => {
  it("admits every verified identity when a route has no rules", () => {
    expect(admits(routeWith({}), identity({}))).toBe(true);
  });

  it("admits a member of an allowed group and refuses others", () => {
    const route = routeWith({ allow: { groups: ["admins"] } });
    expect(admits(route, identity({ groups: ["staff", "admins"] }))).toBe(true);
    expect(admits(route, identity({ groups: ["staff"] }))).toBe(false);
    expect(admits(route, identity({ groups: "admins" }))).toBe(true);
    expect(admits(route, identity({}))).toBe(false);
  });

  it("admits allowed emails case-insensitively, but never an email marked unverified", () => {
    const route = routeWith({ allow: { emails: ["Ada@Example.com"] } });
    expect(admits(route, identity({ email: "ada@example.COM", email_verified: true }))).toBe(true);
    expect(admits(route, identity({ email: "ada@example.com", email_verified: false }))).toBe(false);
    expect(admits(route, identity({ email: "bob@example.com" }))).toBe(false);
  });

  it("admits emails of an allowed domain, matched on the part after the last @", () => {
    const route = routeWith({ allow: { email_domains: ["@example.com"] } });
    const verified = { email_verified: true };
    expect(admits(route, identity({ email: "ada@example.com", ...verified }))).toBe(true);
    expect(admits(route, identity({ email: "ada@evil.test@example.com", ...verified }))).toBe(true);
    expect(admits(route, identity({ email: "ada@example.com.evil.test", ...verified }))).toBe(false);
    expect(admits(route, identity({ email: "ada@sub.example.com", ...verified }))).toBe(false);
  });

  it("counts an email as verified only when email_verified is the boolean true (OIDC Core §5.1)", () => {
    const route = routeWith({ allow: { email_domains: ["example.com"] } });
    const ada = (claims: Record<string, unknown>) => identity({ email: "ada@example.com", ...claims });
    expect(refusal(route, ada({ email_verified: true }))).toBeUndefined();
    expect(refusal(route, ada({ email_verified: false }))).toEqual({
      reason: "forbidden_by_policy",
      detail: "email_verified: false",
    });
    expect(refusal(route, ada({}))).toEqual({
      reason: "forbidden_by_policy",
      detail: "email_verified: absent",
    });
    const wrongTypes: [unknown, string][] = [
      ["false", "string"],
      ["true", "string"],
      [0, "number"],
      [1, "number"],
      [null, "null"],
      [[true], "array"],
      [{ value: true }, "object"],
    ];
    for (const [value, type] of wrongTypes)
      expect(refusal(route, ada({ email_verified: value })), JSON.stringify(value)).toEqual({
        reason: "claim_wrong_type",
        detail: `email_verified: ${type}, not boolean`,
      });
  });

  it("admits a missing email_verified only when EMAIL_VERIFIED_REQUIRED is false, and never a present non-true one", () => {
    const route = routeWith({ allow: { emails: ["ada@example.com"] } });
    const optedOut = { ...RULES, emailVerifiedRequired: false };
    expect(admits(route, identity({ email: "ada@example.com" }), optedOut)).toBe(true);
    expect(admits(route, identity({ email: "ada@example.com", email_verified: false }), optedOut)).toBe(
      false,
    );
    expect(admits(route, identity({ email: "ada@example.com", email_verified: "true" }), optedOut)).toBe(
      false,
    );
    expect(admits(route, identity({ email: "ada@example.com", email_verified: null }), optedOut)).toBe(false);
  });

  it("reads groups only as an array of strings or one string; any other type names no group and says so", () => {
    const route = routeWith({ allow: { groups: ["admins"] } });
    expect(refusal(route, identity({ groups: ["admins", 7] }))).toEqual({
      reason: "claim_wrong_type",
      detail: "groups: array, not strings",
    });
    expect(refusal(route, identity({ groups: { admins: true } }))?.reason).toBe("claim_wrong_type");
    expect(refusal(route, identity({ groups: null }))?.reason).toBe("claim_wrong_type");
    expect(refusal(route, identity({ groups: ["staff"] }))).toEqual({
      reason: "forbidden_by_policy",
      detail: undefined,
    });
    expect(identity({ groups: ["admins", 7] }).groups).toEqual([]);
  });

  it("reads email only as a string", () => {
    const route = routeWith({ allow: { emails: ["ada@example.com"] } });
    expect(refusal(route, identity({ email: ["ada@example.com"], email_verified: true }))).toEqual({
      reason: "claim_wrong_type",
      detail: "email: array, not string",
    });
    expect(identity({ email: ["ada@example.com"] }).email).toBeUndefined();
  });

  it("requires every require_claims entry to equal the claim exactly", () => {
    const route = routeWith({ require_claims: { email_verified: true, tenant: "acme" } });
    expect(admits(route, identity({ email_verified: true, tenant: "acme" }))).toBe(true);
    expect(admits(route, identity({ email_verified: "true", tenant: "acme" }))).toBe(false);
    expect(admits(route, identity({ email_verified: true }))).toBe(false);
  });

  it('compares require_claims only with a claim of the same JSON type: 1 is not "1", "true" is not true', () => {
    const route = routeWith({ require_claims: { level: 1, tenant: "acme" } });
    expect(admits(route, identity({ level: 1, tenant: "acme" }))).toBe(true);
    expect(refusal(route, identity({ level: "1", tenant: "acme" }))).toEqual({
      reason: "claim_wrong_type",
      detail: "level: string, require_claims wants number",
    });
    expect(refusal(route, identity({ level: 1, tenant: ["acme"] }))?.reason).toBe("claim_wrong_type");
    expect(refusal(route, identity({ level: 2, tenant: "acme" }))).toEqual({
      reason: "forbidden_by_policy",
      detail: "level: different value",
    });
    expect(refusal(route, identity({ tenant: "acme" }))).toEqual({
      reason: "forbidden_by_policy",
      detail: "level: absent",
    });
  });

  it("never reads an inherited property as a claim", () => {
    const route = routeWith({ require_claims: { toString: "x" } });
    expect(refusal(route, identity({}))).toEqual({
      reason: "forbidden_by_policy",
      detail: "toString: absent",
    });
  });
});

describe("route matching", () => {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://i.test",
    OIDC_CLIENT_ID: "c",
    AUTH_ROUTES: [
      { pattern: "/", access: "public" },
      { pattern: "/docs/*", access: "public" },
      { pattern: "/docs/private/*" },
    ],
  });
  const config = loaded.ok ? loaded.value : undefined;
  const ruleFor = (path: string) => {
    const judged = matchRoute(config!, path);
    if (!judged.ok) throw new Error(`${path} is ambiguous`);
    return judged.value;
  };

  it("takes the first matching rule, in order", () => {
    expect(ruleFor("/docs/private/x").pattern).toBe("/docs/*");
  });

  it("matches /prefix/* on the prefix itself and below it, but not on a longer name", () => {
    expect(ruleFor("/docs").pattern).toBe("/docs/*");
    expect(ruleFor("/docs/a/b").pattern).toBe("/docs/*");
    expect(ruleFor("/docsx").index).toBe(-1);
  });

  it("sends paths no rule matches to the default rule, which needs an identity", () => {
    const route = ruleFor("/other");
    expect([route.index, route.access]).toEqual([-1, "authenticated"]);
  });
});
