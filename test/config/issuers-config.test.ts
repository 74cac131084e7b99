import { describe, expect, it } from "vitest";
import { checkWorkerEnv } from "../../src/config/check-env.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { configProblemsOver } from "../support/config-problems.ts";

const base = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ISSUERS: [
    {
      name: "ci",
      issuer: "https://token.actions.githubusercontent.com",
      audiences: ["https://deploy.example.com"],
      token_types: ["id_token"],
    },
    {
      name: "api",
      issuer: "https://api-login.example.com",
      audiences: ["https://api.example.com"],
      token_types: ["access_token"],
    },
  ],
  AUTH_ROUTES: [
    { pattern: "/deploy/*", issuers: ["ci"], require_claims: { repository: "acme/site" } },
    { pattern: "/api/*", issuers: ["api"], require_scopes: ["orders:read"], unauthenticated: "401" },
    { pattern: "/admin/*" },
  ],
};
const problems = configProblemsOver(base);

describe("AUTH_ISSUERS and the route fields issuers and require_scopes", () => {
  it("compiles the issuers with their defaults and maps each route's issuers by iss", () => {
    const loaded = loadConfig(base);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const [login, ci, api] = loaded.value.issuers;
    expect(login).toMatchObject({ name: "login", issuer: "https://login.example.com", clientIds: ["site"] });
    expect(ci).toMatchObject({ name: "ci", tokenTypes: ["id_token"], clockLeewaySeconds: 30 });
    expect(api).toMatchObject({ name: "api", accessTokenTyp: "at+jwt", groupsClaim: { name: "groups" } });
    const keycloak = loadConfig({
      ...base,
      AUTH_ISSUERS: [{ ...base.AUTH_ISSUERS[1], groups_claim: "/realm_access/roles" }],
      AUTH_ROUTES: [{ pattern: "*" }],
    });
    expect(keycloak.ok && keycloak.value.issuers[1]!.groupsClaim.tokens).toEqual(["realm_access", "roles"]);
    expect(
      problems({
        AUTH_ISSUERS: [{ ...base.AUTH_ISSUERS[1], groups_claim: "/a//b" }],
        AUTH_ROUTES: [{ pattern: "*" }],
      }),
    ).toEqual([
      'AUTH_ISSUERS[0].groups_claim: "/a//b" is a JSON Pointer with an empty step; name each member, e.g. "/realm_access/roles"',
    ]);
    const [deploy, apiRoute, admin] = loaded.value.routes;
    expect([...deploy!.acceptedIssuers.keys()]).toEqual(["https://token.actions.githubusercontent.com"]);
    expect(apiRoute!.requireScopes).toEqual(["orders:read"]);
    expect(admin!.issuers).toEqual(["login"]);
    expect([...admin!.acceptedIssuers.keys()]).toEqual(["https://login.example.com"]);
    expect([...loaded.value.defaultRoute.acceptedIssuers.keys()]).toEqual(["https://login.example.com"]);
  });

  it("accepts AUTH_ISSUERS as JSON text, as --var and .dev.vars give it", () => {
    expect(problems({ AUTH_ISSUERS: JSON.stringify(base.AUTH_ISSUERS) })).toEqual([]);
    // A route naming an issuer of a list that cannot be read is not a second problem.
    expect(problems({ AUTH_ISSUERS: "[{name" })).toEqual([
      "AUTH_ISSUERS: is a string but not valid JSON; write it as a TOML array of tables",
    ]);
  });

  it("reports every problem of the issuers and the routes at once, each with its path", () => {
    expect(
      problems({
        SESSION_SECRET: "test-only-session-secret-6f1d9c2ab7e04f38",
        AUTH_ISSUERS: [
          { name: "login", issuer: "http://ci.example.com", audiences: [], token_types: ["jwt"] },
          { name: "ci", issuer: "https://ci.example.com", audiences: ["a"], token_types: ["id_token"] },
          { name: "ci", issuer: "https://ci.example.com", audiences: ["a"], token_types: ["id_token"] },
          {
            name: "api",
            issuer: "https://login.example.com",
            audiences: ["a"],
            token_types: ["access_token"],
            algorithms: ["HS256"],
            leeway: 5,
          },
        ],
        AUTH_ROUTES: [
          { pattern: "/a/*", issuers: ["ci", "cl"] },
          { pattern: "/b/*", issuers: ["ci"], require_scopes: ["read"] },
          { pattern: "/c/*", issuers: ["ci"], unauthenticated: "login" },
          { pattern: "/d/*", require_scopes: ["bad scope"] },
        ],
      }),
    ).toEqual([
      "AUTH_ROUTES[3].require_scopes[0]: must be a scope: printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)",
      'AUTH_ISSUERS[0].name: "login" is the sign-in issuer\'s name (OIDC_ISSUER); choose another',
      "AUTH_ISSUERS[0].issuer: must use https:// (http:// is allowed only for loopback hosts: 127.0.0.1, [::1], localhost)",
      "AUTH_ISSUERS[0].audiences: must list at least one of the audiences",
      'AUTH_ISSUERS[0].token_types[0]: must be "id_token" or "access_token"',
      'AUTH_ISSUERS[3].leeway: unknown key "leeway"; known: name, issuer, audiences, token_types, client_ids, groups_claim, algorithms, clock_leeway_seconds, access_token_typ, jwks_uri',
      'AUTH_ISSUERS[2].name: "ci" is already the name of AUTH_ISSUERS[1]; names must be unique',
      'AUTH_ISSUERS[2].issuer: "https://ci.example.com" is already AUTH_ISSUERS[1]\'s issuer; a token is matched to its issuer by iss, so each issuer may appear once (list its audiences and token types in one entry)',
      'AUTH_ROUTES[0].issuers[1]: "cl" is not an issuer; known: "login", "ci", "api" (add it to AUTH_ISSUERS)',
      'AUTH_ROUTES[1].require_scopes: needs an issuer that accepts access tokens (token_types = ["access_token"]); ID tokens carry no scopes',
      'AUTH_ROUTES[2].unauthenticated: is "login" but the route does not accept the sign-in issuer ("login" is not in its issuers); set "401" or "auto", or add "login"',
    ]);
  });

  it("refuses algorithms outside the allow-list and an access_token_typ that cannot tell the types apart", () => {
    expect(
      problems({
        OIDC_ALLOWED_ALGS: ["RS256", "ES256"],
        AUTH_ISSUERS: [
          {
            name: "a",
            issuer: "https://a.example.com",
            audiences: ["https://api"],
            token_types: ["id_token", "access_token"],
            algorithms: ["RS256", "PS256"],
            access_token_typ: "any",
          },
          {
            name: "b",
            issuer: "https://b.example.com",
            audiences: ["https://api", "app"],
            client_ids: ["app"],
            token_types: ["id_token", "access_token"],
            access_token_typ: "any",
          },
          {
            name: "c",
            issuer: "https://c.example.com",
            audiences: ["x"],
            client_ids: ["x"],
            token_types: ["access_token"],
          },
          {
            name: "d",
            issuer: "https://d.example.com",
            audiences: ["x"],
            token_types: ["id_token"],
            access_token_typ: "any",
          },
        ],
        AUTH_ROUTES: [{ pattern: "/*" }],
      }),
    ).toEqual([
      'AUTH_ISSUERS[0].algorithms[1]: "PS256" is not in the allow-list (OIDC_ALLOWED_ALGS): RS256, ES256',
      'AUTH_ISSUERS[0].client_ids: is required when token_types has both types and access_token_typ = "any": the audience then tells an ID token (aud: a client id) from an access token (aud: one of audiences)',
      'AUTH_ISSUERS[1].client_ids: must not share values with audiences ("app"): the audience decides a token\'s type',
      'AUTH_ISSUERS[2].client_ids: names the audiences of ID tokens; add "id_token" to token_types, or remove it',
      'AUTH_ISSUERS[3].access_token_typ: applies to access tokens only; add "access_token" to token_types, or remove it',
    ]);
  });

  it("knows AUTH_ISSUERS as a var (no unknown-var warning)", () => {
    const checked = checkWorkerEnv({ ...base, AUTH_KV: {} });
    expect(checked.warnings).toEqual([]);
  });
});

describe("issuers and scopes in the path-reading conflicts", () => {
  it("counts two rules that differ only in issuers or require_scopes as granting other access", () => {
    expect(
      problems({
        AUTH_ROUTES: [
          { pattern: "/API/*", issuers: ["api"] },
          { pattern: "/api/*", issuers: ["login"] },
          { pattern: "/Orders/*", issuers: ["api"], require_scopes: ["orders:read"] },
          { pattern: "/orders/*", issuers: ["api"] },
        ],
      }).map((problem) => problem.slice(0, problem.indexOf(":"))),
    ).toEqual(["AUTH_ROUTES[1].pattern", "AUTH_ROUTES[3].pattern"]);
  });
});
