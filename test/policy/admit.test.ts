import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { sealVerifiedIdentity } from "../../src/identity.ts";
import { admits } from "../../src/policy/admit.ts";
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
    expect(admits(route, identity({ email: "ada@example.COM" }))).toBe(true);
    expect(admits(route, identity({ email: "ada@example.com", email_verified: false }))).toBe(false);
    expect(admits(route, identity({ email: "bob@example.com" }))).toBe(false);
  });

  it("admits emails of an allowed domain, matched on the part after the last @", () => {
    const route = routeWith({ allow: { email_domains: ["@example.com"] } });
    expect(admits(route, identity({ email: "ada@example.com" }))).toBe(true);
    expect(admits(route, identity({ email: "ada@evil.test@example.com" }))).toBe(true);
    expect(admits(route, identity({ email: "ada@example.com.evil.test" }))).toBe(false);
    expect(admits(route, identity({ email: "ada@sub.example.com" }))).toBe(false);
  });

  it("requires every require_claims entry to equal the claim exactly", () => {
    const route = routeWith({ require_claims: { email_verified: true, tenant: "acme" } });
    expect(admits(route, identity({ email_verified: true, tenant: "acme" }))).toBe(true);
    expect(admits(route, identity({ email_verified: "true", tenant: "acme" }))).toBe(false);
    expect(admits(route, identity({ email_verified: true }))).toBe(false);
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
