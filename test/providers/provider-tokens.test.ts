import { describe, expect, it } from "vitest";
import { Browser } from "../support/browser.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

/**
 * Tokens shaped like each provider's real ID tokens (claims as their public documentation shows
 * them), signed by the test's issuer, through the real worker with the route rule docs/login.md gives
 * for that provider. Only `iss`, `aud` and the times are the fake issuer's.
 */

/** The fake issuer's valid claims minus the generic ones a provider's token would not carry. */
function shaped(h: Harness, claims: Record<string, unknown>) {
  const { email: _e, email_verified: _v, name: _n, groups: _g, ...base } = validClaims(h.nowSeconds());
  return { ...base, ...claims };
}

async function send(h: Harness, claims: Record<string, unknown>, path: string) {
  const token = await signToken(h.issuer.keys[0]!, shaped(h, claims));
  const response = await h.fetch(path, h.bearer(token));
  const decision = h.events("decision").at(-1);
  return { status: response.status, reason: decision?.reason };
}

async function providerHarness(vars: Record<string, unknown>) {
  return createHarness({
    vars: {
      AUTH_ROUTES: [...(vars.AUTH_ROUTES as unknown[]), { pattern: "*" }],
      ...omit(vars, "AUTH_ROUTES"),
    },
  });
}

function omit(vars: Record<string, unknown>, key: string) {
  return Object.fromEntries(Object.entries(vars).filter(([name]) => name !== key));
}

const ENTRA_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ADMINS_GROUP = "5e2a1c39-7c4b-4c7e-9a53-2f1a0b6e4d11";

describe("provider-shaped tokens through the worker (docs/login.md)", () => {
  it("Entra ID v1: group object IDs in groups, app roles in roles, upn/tid/oid", async () => {
    const h = await providerHarness({
      AUTH_ROUTES: [
        { pattern: "/admin/*", allow: { groups: [ADMINS_GROUP] } },
        { pattern: "/reports/*", require_claims: { roles: "Reports.Read", tid: ENTRA_TENANT } },
      ],
    });
    const v1 = {
      ver: "1.0",
      tid: ENTRA_TENANT,
      oid: "00000000-0000-0000-66f3-3332eca7ea81",
      upn: "ada@contoso.com",
      unique_name: "ada@contoso.com",
      amr: ["pwd", "mfa"],
      groups: [ADMINS_GROUP, "fc781505-18ef-4a31-a7d5-7d931d7b857e"],
      roles: ["Reports.Read"],
    };
    expect(await send(h, v1, "/admin/")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, v1, "/reports/q3")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, { ...v1, groups: ["fc781505-18ef-4a31-a7d5-7d931d7b857e"] }, "/admin/")).toEqual({
      status: 403,
      reason: "forbidden_by_policy",
    });
    expect(await send(h, { ...v1, tid: "another-tenant" }, "/reports/q3")).toEqual({
      status: 403,
      reason: "forbidden_by_policy",
    });
  });

  it("Entra ID v2: preferred_username, and group overage refused as groups_overage, not a silent 403", async () => {
    const h = await providerHarness({
      AUTH_ROUTES: [
        { pattern: "/admin/*", allow: { groups: [ADMINS_GROUP] } },
        { pattern: "/ops/*", require_claims: { roles: ["Ops.Admin", "Ops.Reader"] } },
      ],
    });
    const v2 = {
      ver: "2.0",
      tid: ENTRA_TENANT,
      oid: "00000000-0000-0000-66f3-3332eca7ea81",
      preferred_username: "ada@contoso.com",
      name: "Ada Lovelace",
      groups: [ADMINS_GROUP],
      roles: ["Ops.Reader"],
    };
    expect(await send(h, v2, "/admin/")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, v2, "/ops/")).toEqual({ status: 200, reason: undefined });
    const { groups: _groups, ...overage } = {
      ...v2,
      _claim_names: { groups: "src1" },
      _claim_sources: {
        src1: { endpoint: `https://graph.windows.net/${ENTRA_TENANT}/users/x/getMemberObjects` },
      },
    };
    expect(await send(h, overage, "/admin/")).toEqual({ status: 403, reason: "groups_overage" });
    // App roles are never withheld: the documented fix decides the same user.
    expect(await send(h, overage, "/ops/")).toEqual({ status: 200, reason: undefined });
  });

  it("Entra ID overage in a browser: a 403 page that says the provider sent too many groups", async () => {
    const h = await providerHarness({
      AUTH_ROUTES: [{ pattern: "/admin/*", allow: { groups: [ADMINS_GROUP] } }],
    });
    const browser = new Browser(h);
    await browser.signIn("/admin/", { claims: { groups: undefined, hasgroups: true } });
    const page = await browser.visit("/admin/");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("too many groups");
    expect(h.events("decision").at(-1)).toMatchObject({ reason: "groups_overage", status: 403 });
  });

  it("Google: hd for the Workspace domain and email_verified the boolean true", async () => {
    const h = await providerHarness({
      AUTH_ROUTES: [{ pattern: "/app/*", require_claims: { hd: "example.com", email_verified: true } }],
    });
    const google = {
      azp: "client-1",
      email: "ada@example.com",
      email_verified: true,
      hd: "example.com",
      at_hash: "HK6E_P6Dh8Y93mRNtsDB1Q",
      name: "Ada Lovelace",
      picture: "https://lh3.googleusercontent.com/a/photo",
      given_name: "Ada",
      family_name: "Lovelace",
    };
    expect(await send(h, google, "/app/")).toEqual({ status: 200, reason: undefined });
    const { hd: _hd, ...gmail } = { ...google, email: "ada@gmail.com" };
    expect(await send(h, gmail, "/app/")).toEqual({ status: 403, reason: "forbidden_by_policy" });
  });

  it("Okta: groups only once a groups claim is configured on the authorization server", async () => {
    const h = await providerHarness({
      AUTH_ROUTES: [{ pattern: "/admin/*", allow: { groups: ["Admins"] } }],
    });
    const okta = {
      ver: 1,
      jti: "ID.4eAWJOCMB3SX8XewDfVR",
      amr: ["pwd"],
      idp: "00ok1u7AsAkrwdZL3z0g3",
      preferred_username: "ada@example.com",
      auth_time: h.nowSeconds(),
      groups: ["Everyone", "Admins"],
    };
    expect(await send(h, okta, "/admin/")).toEqual({ status: 200, reason: undefined });
    const { groups: _g, ...unconfigured } = okta;
    expect(await send(h, unconfigured, "/admin/")).toEqual({ status: 403, reason: "forbidden_by_policy" });
  });

  it("Auth0: roles under a namespaced claim written by an Action", async () => {
    const h = await providerHarness({
      AUTH_ROUTES: [{ pattern: "/admin/*", require_claims: { "https://example.com/roles": "admin" } }],
    });
    const auth0 = {
      nickname: "ada",
      name: "ada@example.com",
      updated_at: "2026-11-20T10:00:00.000Z",
      email: "ada@example.com",
      email_verified: true,
      sid: "0123456789abcdef",
      "https://example.com/roles": ["admin", "billing"],
    };
    expect(await send(h, auth0, "/admin/")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, { ...auth0, "https://example.com/roles": ["billing"] }, "/admin/")).toEqual({
      status: 403,
      reason: "forbidden_by_policy",
    });
  });

  it("Keycloak: realm roles, client roles and groups from the group-membership mapper", async () => {
    const h = await providerHarness({
      GROUPS_CLAIM: "groups",
      AUTH_ROUTES: [
        { pattern: "/admin/*", require_claims: { "/realm_access/roles": "admin" } },
        { pattern: "/edit/*", require_claims: { "/resource_access/my-client/roles": ["editor", "owner"] } },
        { pattern: "/team/*", allow: { groups: ["/staff/ops"] } },
      ],
    });
    const keycloak = {
      typ: "ID",
      azp: "client-1",
      session_state: "b7d6e6b5-9c3b-4ec5-8f3a-1f7bd0f0b3c2",
      preferred_username: "ada",
      email: "ada@example.com",
      email_verified: true,
      realm_access: { roles: ["offline_access", "uma_authorization", "admin"] },
      resource_access: { "my-client": { roles: ["editor"] }, account: { roles: ["manage-account"] } },
      groups: ["/staff/ops"],
    };
    for (const path of ["/admin/", "/edit/", "/team/"])
      expect(await send(h, keycloak, path)).toEqual({ status: 200, reason: undefined });
    const user = { ...keycloak, realm_access: { roles: ["offline_access"] }, resource_access: {} };
    expect(await send(h, user, "/admin/")).toEqual({ status: 403, reason: "forbidden_by_policy" });
    expect(await send(h, user, "/edit/")).toEqual({ status: 403, reason: "forbidden_by_policy" });
  });

  it('Cognito: cognito:groups by name; a federated user\'s email_verified "true" (a string) is not verified', async () => {
    const h = await providerHarness({
      GROUPS_CLAIM: "cognito:groups",
      AUTH_ROUTES: [
        { pattern: "/admin/*", allow: { groups: ["admins"] } },
        { pattern: "/staff/*", allow: { email_domains: ["example.com"] } },
      ],
    });
    const cognito = {
      "cognito:username": "google_1234567890",
      "cognito:groups": ["us-east-1_ABC123_Google", "admins"],
      token_use: "id",
      email: "ada@example.com",
      email_verified: true,
      identities: [{ providerName: "Google", providerType: "Google", userId: "1234567890", primary: "true" }],
    };
    expect(await send(h, cognito, "/admin/")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, cognito, "/staff/")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, { ...cognito, email_verified: "true" }, "/staff/")).toEqual({
      status: 403,
      reason: "claim_wrong_type",
    });
  });

  it("GitHub Actions workload token: repository, ref, environment and job_workflow_ref", async () => {
    // A CI token comes through a second issuer in production; here the login issuer signs one of
    // the same shape, to prove the route rule an operator writes for it.
    const h = await providerHarness({
      AUTH_ROUTES: [
        {
          pattern: "/deploy/*",
          unauthenticated: "401",
          require_claims: {
            repository: "acme/site",
            ref: "refs/heads/main",
            environment: "production",
            job_workflow_ref: "acme/site/.github/workflows/deploy.yml@refs/heads/main",
          },
        },
      ],
    });
    const actions = {
      sub: "repo:acme/site:environment:production",
      jti: "example-id",
      repository: "acme/site",
      repository_owner: "acme",
      repository_id: "74",
      repository_visibility: "private",
      ref: "refs/heads/main",
      ref_type: "branch",
      sha: "example-sha",
      environment: "production",
      workflow: "deploy",
      job_workflow_ref: "acme/site/.github/workflows/deploy.yml@refs/heads/main",
      actor: "octocat",
      event_name: "push",
      run_id: "1234",
      runner_environment: "github-hosted",
    };
    expect(await send(h, actions, "/deploy/")).toEqual({ status: 200, reason: undefined });
    expect(await send(h, { ...actions, ref: "refs/heads/feature" }, "/deploy/")).toEqual({
      status: 403,
      reason: "forbidden_by_policy",
    });
    expect(await send(h, { ...actions, repository: "evil/site" }, "/deploy/")).toEqual({
      status: 403,
      reason: "forbidden_by_policy",
    });
  });
});
