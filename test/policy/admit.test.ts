import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { judgeAccess } from "../../src/policy/admit.ts";
import { topLevelClaim } from "../../src/policy/claim-path.ts";
import { identityOf } from "../support/identity.ts";
import { matchRouteOf } from "../support/route-rules.ts";

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
  identityOf({ iss: "https://i.test", sub: "u", exp: 1, ...claims }, topLevelClaim("groups"));

const RULES = { groupsClaim: topLevelClaim("groups"), emailVerifiedRequired: true };

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
    expect(refusal(route, identity({ level: 1, tenant: [{ id: "acme" }] }))).toEqual({
      reason: "claim_wrong_type",
      detail: "tenant: array holding object, require_claims wants string",
    });
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

describe("claim names and value lists", () => {
  it("names a claim by its top-level name as the token spells it, colons and URLs included", () => {
    const cognito = routeWith({ require_claims: { "cognito:groups": "admins" } });
    expect(admits(cognito, identity({ "cognito:groups": ["staff", "admins"] }))).toBe(true);
    const auth0 = routeWith({ require_claims: { "https://example.com/roles": "admin" } });
    expect(admits(auth0, identity({ "https://example.com/roles": ["admin"] }))).toBe(true);
    expect(admits(auth0, identity({ https: { "": { "example.com": { roles: ["admin"] } } } }))).toBe(false);
  });

  it("reads a nested claim through a JSON Pointer, with ~1 for / and ~0 for ~ (RFC 6901 §4)", () => {
    const realm = routeWith({ require_claims: { "/realm_access/roles": "admin" } });
    expect(admits(realm, identity({ realm_access: { roles: ["offline_access", "admin"] } }))).toBe(true);
    expect(refusal(realm, identity({ realm_access: { roles: ["user"] } }))).toEqual({
      reason: "forbidden_by_policy",
      detail: "/realm_access/roles: different value",
    });
    const client = routeWith({ require_claims: { "/resource_access/my-client/roles": "editor" } });
    expect(admits(client, identity({ resource_access: { "my-client": { roles: ["editor"] } } }))).toBe(true);
    const escaped = routeWith({ require_claims: { "/a~1b/c~0d": "x" } });
    expect(admits(escaped, identity({ "a/b": { "c~d": "x" } }))).toBe(true);
    expect(admits(escaped, identity({ a: { b: { "c~d": "x" } } }))).toBe(false);
  });

  it("says which step of a pointer is not an object, never the value", () => {
    const realm = routeWith({ require_claims: { "/realm_access/roles": "admin" } });
    expect(refusal(realm, identity({ realm_access: "admin" }))).toEqual({
      reason: "claim_wrong_type",
      detail:
        "/realm_access/roles: /realm_access is string, not an object or array, require_claims wants string",
    });
  });

  it("never walks into an inherited property through a pointer", () => {
    const route = routeWith({ require_claims: { "/realm_access/constructor/name": "Object" } });
    expect(refusal(route, identity({ realm_access: {} }))).toEqual({
      reason: "forbidden_by_policy",
      detail: "/realm_access/constructor/name: absent",
    });
    const proto = routeWith({ require_claims: { "/groups/length": 1 } });
    expect(admits(proto, identity({ groups: ["a"] }))).toBe(false);
  });

  it("indexes an array only with a canonical decimal index (RFC 6901 §4)", () => {
    const claims = { amr: ["pwd", "mfa"] };
    expect(admits(routeWith({ require_claims: { "/amr/1": "mfa" } }), identity(claims))).toBe(true);
    for (const index of ["01", "-", "+1", "1.0", "1e0", " 1", "2"])
      expect(admits(routeWith({ require_claims: { [`/amr/${index}`]: "mfa" } }), identity(claims))).toBe(
        false,
      );
  });

  it("matches an array claim by membership and a list of values when any one matches", () => {
    const route = routeWith({ require_claims: { "/realm_access/roles": ["admin", "ops"] } });
    const roles = (list: unknown) => identity({ realm_access: { roles: list } });
    expect(admits(route, roles(["ops"]))).toBe(true);
    expect(admits(route, roles("admin"))).toBe(true);
    expect(admits(route, roles(["user"]))).toBe(false);
    expect(admits(route, roles([]))).toBe(false);
    expect(refusal(route, roles(["admin", 1]))).toEqual({
      reason: "claim_wrong_type",
      detail: "/realm_access/roles: array holding number, require_claims wants string",
    });
  });

  it("refuses a groups rule the provider could not decide (group overage) with its own reason", () => {
    const route = routeWith({ allow: { groups: ["admins"] } });
    const overage = { _claim_names: { groups: "src1" }, _claim_sources: { src1: { endpoint: "https://x" } } };
    expect(refusal(route, identity(overage))).toEqual({
      reason: "groups_overage",
      detail: "groups: withheld by the provider (group overage)",
    });
    expect(refusal(route, identity({ hasgroups: true }))?.reason).toBe("groups_overage");
    expect(refusal(route, identity({ hasgroups: "true" }))?.reason).toBe("forbidden_by_policy");
    // Groups present: the token decides.
    expect(admits(route, identity({ ...overage, groups: ["admins"] }))).toBe(true);
    const required = routeWith({ require_claims: { groups: "admins" } });
    expect(refusal(required, identity(overage))?.reason).toBe("groups_overage");
  });

  it("still admits by email when groups were withheld: the email rule decides", () => {
    const route = routeWith({ allow: { groups: ["admins"], emails: ["ada@example.com"] } });
    const who = identity({ hasgroups: true, email: "ada@example.com", email_verified: true });
    expect(admits(route, who)).toBe(true);
  });

  it("reads GROUPS_CLAIM as a name or a JSON Pointer", () => {
    const route = routeWith({ allow: { groups: ["admins"] } });
    const groupsClaim = { name: "/realm_access/roles", tokens: ["realm_access", "roles"] };
    const claims = { iss: "https://i.test", sub: "u", exp: 1 };
    const nested = identityOf({ ...claims, realm_access: { roles: ["admins"] } }, groupsClaim);
    expect(nested.groups).toEqual(["admins"]);
    expect(judgeAccess(route, nested, { ...RULES, groupsClaim }).admitted).toBe(true);
    const wrong = identityOf({ ...claims, realm_access: { roles: [{}] } }, groupsClaim);
    expect(refusal(route, wrong, { ...RULES, groupsClaim })).toEqual({
      reason: "claim_wrong_type",
      detail: "/realm_access/roles: array, not strings",
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
    const judged = matchRouteOf(config!, "site.test", path);
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
