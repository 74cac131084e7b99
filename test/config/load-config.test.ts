import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { configProblems } from "../support/config-problems.ts";

const good = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ROUTES: [
    { pattern: "/", access: "public" },
    { pattern: "/admin/*", allow: { groups: ["admins"] } },
  ],
};

const problems = configProblems;

describe("loading the configuration", () => {
  it("compiles a good configuration with its defaults", () => {
    const result = loadConfig(good);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.routes.map((r) => [r.pattern, r.access, r.unauthenticated])).toEqual([
      ["/", "public", "auto"],
      ["/admin/*", "authenticated", "auto"],
    ]);
    expect(result.value.clockLeewaySeconds).toBe(30);
    expect(result.value.identityHeaders.sub).toBe("X-Auth-Sub");
    expect(result.value.allowedAlgorithms).not.toContain("none");
  });

  it("lists every problem at once, each with its path", () => {
    expect(
      problems({
        OIDC_ISSUER: "http://login.example.com",
        AUTH_ROUTES: [
          { pattern: "/" },
          { pattern: "/a/*/b" },
          { pattern: "admin/*", access: "private" },
          { pattern: "/x", acess: "public" },
          { pattern: "/y", allow: { group: ["a"] } },
        ],
        CLOCK_LEEWAY_SECONDS: "soon",
      }),
    ).toEqual([
      "OIDC_ISSUER: must use https:// (http:// is allowed only for loopback hosts: 127.0.0.1, [::1], localhost)",
      "OIDC_CLIENT_ID: is required",
      "CLOCK_LEEWAY_SECONDS: must be a whole number",
      'AUTH_ROUTES[1].pattern: "*" is only allowed as a final "/*" (got "/a/*/b")',
      'AUTH_ROUTES[2].pattern: must start with "/" or be "*" (got "admin/*")',
      'AUTH_ROUTES[2].access: must be "public" or "authenticated"',
      'AUTH_ROUTES[3].acess: unknown key "acess"; known: pattern, access, unauthenticated, allow, require_claims, assertion_audience, require_acr, require_amr, max_age, host, require_dpop, issuers, require_scopes, refuse_replayed',
      'AUTH_ROUTES[4].allow.group: unknown key "group"; known: groups, emails, email_domains',
    ]);
  });

  it("refuses rules that contradict each other for origins that ignore letter case or a trailing slash, naming both", () => {
    const admins = { allow: { groups: ["admins"] } };
    expect(
      problems({
        ...good,
        AUTH_ROUTES: [
          { pattern: "/Admin/*", ...admins },
          { pattern: "/admin/status", access: "public" },
          { pattern: "/team/", ...admins },
          { pattern: "/team/*", access: "public" },
          { pattern: "/docs/*", access: "public" },
          { pattern: "/Docs/private/*", ...admins },
        ],
      }),
    ).toEqual([
      'AUTH_ROUTES[1].pattern: its own path "/admin/status", read with letter case ignored, falls under AUTH_ROUTES[0] ("/Admin/*"), which grants other access than AUTH_ROUTES[1] ("/admin/status"): origins that read paths so serve both as one page, so every request for it would be refused as ambiguous; spell the two patterns alike (letter case, trailing slash) or give both rules the same access, allow, require_claims, issuers and require_scopes',
      'AUTH_ROUTES[3].pattern: its own path "/team", read with trailing slash added, falls under AUTH_ROUTES[2] ("/team/"), which grants other access than AUTH_ROUTES[3] ("/team/*"): origins that read paths so serve both as one page, so every request for it would be refused as ambiguous; spell the two patterns alike (letter case, trailing slash) or give both rules the same access, allow, require_claims, issuers and require_scopes',
      'AUTH_ROUTES[5].pattern: its own path "/Docs/private", read with letter case ignored, falls under AUTH_ROUTES[4] ("/docs/*"), which grants other access than AUTH_ROUTES[5] ("/Docs/private/*"): origins that read paths so serve both as one page, so every request for it would be refused as ambiguous; spell the two patterns alike (letter case, trailing slash) or give both rules the same access, allow, require_claims, issuers and require_scopes',
    ]);
    // The same patterns with the same access, or an exception written in the rules' own letter case, load.
    expect(
      problems({
        ...good,
        AUTH_ROUTES: [
          { pattern: "/Admin/*", ...admins },
          { pattern: "/admin/status", ...admins },
          { pattern: "/help/guide", access: "public" },
          { pattern: "/help/*", ...admins },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses require_claims on a name a table parser would drop silently (the rule would vanish)", () => {
    const route = (claims: string) => ({
      ...good,
      AUTH_ROUTES: `[{"pattern":"/x","require_claims":${claims}}]`,
    });
    expect(problems(route('{"constructor":"x","tenant":"acme"}'))).toEqual([
      'AUTH_ROUTES[0].require_claims: cannot check a claim named "constructor"; remove it',
    ]);
    expect(problems(route('{"__proto__":"x"}'))).toEqual([
      'AUTH_ROUTES[0].require_claims: cannot check a claim named "__proto__"; remove it',
    ]);
    expect(problems(route("[1]"))).toEqual([
      "AUTH_ROUTES[0].require_claims: must be a table of claim = value",
    ]);
  });

  it("compiles claim names once: top-level names as written, JSON Pointers into their members", () => {
    const result = loadConfig({
      ...good,
      GROUPS_CLAIM: "/resource_access/my-client/roles",
      AUTH_ROUTES: [{ pattern: "/a", require_claims: { "cognito:groups": "x", "/a~1b/c~0d": ["y", 2] } }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.groupsClaim.tokens).toEqual(["resource_access", "my-client", "roles"]);
    expect(result.value.routes[0]?.requireClaims).toEqual([
      { claim: { name: "cognito:groups", tokens: ["cognito:groups"] }, anyOf: ["x"] },
      { claim: { name: "/a~1b/c~0d", tokens: ["a/b", "c~d"] }, anyOf: ["y", 2] },
    ]);
  });

  it("refuses an invalid JSON Pointer (RFC 6901 §3) and an empty list, naming the path", () => {
    expect(
      problems({
        ...good,
        GROUPS_CLAIM: "/realm_access/~2roles",
        AUTH_ROUTES: [
          { pattern: "/a", require_claims: { "/realm_access//roles": "x", "/t~": "y", tenant: [] } },
        ],
      }),
    ).toEqual([
      'GROUPS_CLAIM: "/realm_access/~2roles" is not a valid JSON Pointer (RFC 6901): "~" must be followed by 0 or 1 ("~0" for "~", "~1" for "/")',
      'AUTH_ROUTES[0].require_claims./realm_access//roles: "/realm_access//roles" is a JSON Pointer with an empty step; name each member, e.g. "/realm_access/roles"',
      'AUTH_ROUTES[0].require_claims./t~: "/t~" is not a valid JSON Pointer (RFC 6901): "~" must be followed by 0 or 1 ("~0" for "~", "~1" for "/")',
      "AUTH_ROUTES[0].require_claims.tenant: must be a string, number or boolean, or a non-empty list of them (any one matches)",
    ]);
  });

  it("reads OIDC_USERINFO as a flag, off by default", () => {
    const off = loadConfig(good);
    const on = loadConfig({ ...good, OIDC_USERINFO: "true" });
    expect([off.ok && off.value.login.userinfo, on.ok && on.value.login.userinfo]).toEqual([false, true]);
  });

  it("reads EMAIL_VERIFIED_REQUIRED as a flag, on by default", () => {
    const on = loadConfig(good);
    const off = loadConfig({ ...good, EMAIL_VERIFIED_REQUIRED: "false" });
    expect([on.ok && on.value.emailVerifiedRequired, off.ok && off.value.emailVerifiedRequired]).toEqual([
      true,
      false,
    ]);
    expect(problems({ ...good, EMAIL_VERIFIED_REQUIRED: "no" })).toEqual([
      'EMAIL_VERIFIED_REQUIRED: must be true or false (a TOML boolean, or the string "true" or "false")',
    ]);
  });

  it('reads OIDC_LOGOUT_HINT as "client_id" (the default) or "id_token_hint"', () => {
    const hint = (env: Record<string, unknown>) => {
      const loaded = loadConfig({ ...good, ...env });
      return loaded.ok ? loaded.value.login.logoutHint : undefined;
    };
    expect([hint({}), hint({ OIDC_LOGOUT_HINT: "id_token_hint" })]).toEqual(["client_id", "id_token_hint"]);
    expect(problems({ ...good, OIDC_LOGOUT_HINT: "token" })).toEqual([
      'OIDC_LOGOUT_HINT: must be "client_id" or "id_token_hint"',
    ]);
  });

  it("allows http:// issuers only on loopback hosts", () => {
    for (const issuer of ["http://127.0.0.1:9400", "http://localhost:9400", "http://[::1]:9400"]) {
      expect(problems({ ...good, OIDC_ISSUER: issuer }), issuer).toEqual([]);
    }
    expect(problems({ ...good, OIDC_ISSUER: "http://10.0.0.1" })).toHaveLength(1);
  });

  it("accepts AUTH_ROUTES as a JSON string (from --var or .dev.vars) and reports bad JSON", () => {
    expect(problems({ ...good, AUTH_ROUTES: JSON.stringify(good.AUTH_ROUTES) })).toEqual([]);
    expect(problems({ ...good, AUTH_ROUTES: "[{" })).toEqual([
      "AUTH_ROUTES: is a string but not valid JSON; write it as a TOML array of tables",
    ]);
    expect(problems({ ...good, AUTH_ROUTES: undefined })[0]).toMatch(/^AUTH_ROUTES: is required/);
  });

  it("refuses algorithms outside the supported set, never none or HMAC", () => {
    expect(problems({ ...good, OIDC_ALLOWED_ALGS: "RS256,none,HS256" })).toEqual([
      'OIDC_ALLOWED_ALGS: "none" is not allowed; choose from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 (never "none" or HMAC)',
      'OIDC_ALLOWED_ALGS: "HS256" is not allowed; choose from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 (never "none" or HMAC)',
    ]);
  });

  it("reads numbers given as TOML numbers or as strings", () => {
    const result = loadConfig({ ...good, CLOCK_LEEWAY_SECONDS: "45", JWKS_MAX_STALE_SECONDS: 7200 });
    expect(result.ok && [result.value.clockLeewaySeconds, result.value.keyCache.maxStaleSeconds]).toEqual([
      45, 7200,
    ]);
  });

  it("refuses an ORIGIN_URL that is not http(s)", () => {
    expect(problems({ ...good, ORIGIN_URL: "ftp://files.example.com" })).toEqual([
      "ORIGIN_URL: must be http:// or https://",
    ]);
  });

  it("reads a list given as JSON text (from --var or .dev.vars) as JSON, not split on commas", () => {
    const result = loadConfig({
      ...good,
      OIDC_TRUSTED_AUDIENCES: ' ["api-a", "api-b"] ',
      OIDC_ALLOWED_ALGS: '["RS256","ES256"]',
    });
    expect(result.ok && [result.value.trustedAudiences, result.value.allowedAlgorithms]).toEqual([
      ["api-a", "api-b"],
      ["RS256", "ES256"],
    ]);
    expect(problems({ ...good, OIDC_TRUSTED_AUDIENCES: '["api-a",' })).toEqual([
      'OIDC_TRUSTED_AUDIENCES: starts with "[" but is not a JSON list of non-empty strings',
    ]);
  });

  it("reads IDENTITY_HEADERS given as JSON text like the other tables, and reports bad JSON", () => {
    const result = loadConfig({ ...good, IDENTITY_HEADERS: '{"sub":"X-User-Id"}' });
    expect(result.ok && result.value.identityHeaders).toMatchObject({
      sub: "X-User-Id",
      email: "X-Auth-Email",
    });
    expect(problems({ ...good, IDENTITY_HEADERS: "{sub" })).toEqual([
      "IDENTITY_HEADERS: is a string but not valid JSON; write it as a TOML table",
    ]);
  });
});
