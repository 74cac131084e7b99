import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerEnv } from "../../src/config/check-env.ts";
import { formatProblem } from "../../src/config/problem.ts";
import { envSchema, KNOWN_VARS } from "../../src/config/schema.ts";
import { unknownVarProblems } from "../../src/config/unknown-vars.ts";

const vars = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ROUTES: [{ pattern: "/", access: "public" }],
};

function errors(env: Record<string, unknown>): string[] {
  const checked = checkWorkerEnv(env);
  return checked.config.ok ? [] : checked.config.failure.map(formatProblem);
}

function warnings(names: string[]): string[] {
  return unknownVarProblems(names).map(formatProblem);
}

describe("the worker's environment", () => {
  it("compiles vars with the AUTH_KV binding and warns about nothing", () => {
    const checked = checkWorkerEnv({ ...vars, AUTH_KV: workerEnv.AUTH_KV });
    expect(checked.config.ok).toBe(true);
    expect(checked.warnings).toEqual([]);
  });

  it("refuses an environment without the AUTH_KV binding, naming the binding and how to add it", () => {
    expect(errors(vars)).toEqual([
      'AUTH_KV: is not bound: edge-auth keeps sessions, sign-in attempts, revocations and its key cache there; create one (`npx wrangler kv namespace create AUTH_KV`) and add [[kv_namespaces]] binding = "AUTH_KV" with its id to wrangler.toml',
    ]);
  });

  it("refuses AUTH_KV set as a var instead of a KV namespace binding", () => {
    expect(errors({ ...vars, AUTH_KV: "edge-auth" })[0]).toMatch(
      /^AUTH_KV: is a string var, not a KV namespace binding: /,
    );
  });

  it("reports the missing binding together with every problem of the vars", () => {
    expect(errors({ AUTH_ROUTES: vars.AUTH_ROUTES })).toEqual([
      "OIDC_ISSUER: is required",
      "OIDC_CLIENT_ID: is required",
      expect.stringMatching(/^AUTH_KV: is not bound: /),
    ]);
  });

  it("warns about a var that looks like edge-auth's but is not read, and leaves bindings and foreign vars alone", () => {
    const checked = checkWorkerEnv({
      ...vars,
      AUTH_KV: workerEnv.AUTH_KV,
      GROUP_CLAIM: "roles",
      SITE_NAME: "mine",
      SESSION_STORE: workerEnv.AUTH_KV,
    });
    expect(checked.config.ok).toBe(true);
    expect(checked.warnings.map(formatProblem)).toEqual([
      "GROUP_CLAIM: is not an edge-auth setting and is ignored; did you mean GROUPS_CLAIM?",
    ]);
  });
});

describe("unknown vars", () => {
  it("leaves the names of edge-auth's own bindings alone, though they share its prefixes", () => {
    expect(warnings(["AUTH_KV", "AUTH_METRICS", "REVOCATION_FENCE", "DPOP_REPLAY", "ASSETS"])).toEqual([]);
  });

  it("suggests the known var a misspelt one was meant to be", () => {
    expect(warnings(["GROUP_CLAIM", "OIDC_SCOPE", "SESION_ABSOLUTE_TTL_SECONDS", "OIDC_ISUSER"])).toEqual([
      "GROUP_CLAIM: is not an edge-auth setting and is ignored; did you mean GROUPS_CLAIM?",
      "OIDC_SCOPE: is not an edge-auth setting and is ignored; did you mean OIDC_SCOPES?",
      "SESION_ABSOLUTE_TTL_SECONDS: is not an edge-auth setting and is ignored; did you mean SESSION_ABSOLUTE_TTL_SECONDS?",
      "OIDC_ISUSER: is not an edge-auth setting and is ignored; did you mean OIDC_ISSUER?",
    ]);
  });

  it("says when a known name is only written in the wrong case", () => {
    expect(warnings(["oidc_issuer"])).toEqual([
      "oidc_issuer: is not an edge-auth setting and is ignored; did you mean OIDC_ISSUER? (names are case-sensitive)",
    ]);
  });

  it("lists the settings of a known prefix when no name is close", () => {
    expect(warnings(["JWKS_URL"])).toEqual([
      "JWKS_URL: is not an edge-auth setting and is ignored; the JWKS_ settings are JWKS_MIN_MAX_AGE_SECONDS, JWKS_MAX_MAX_AGE_SECONDS, JWKS_MAX_STALE_SECONDS, JWKS_FETCH_TIMEOUT_MS, JWKS_FAILURE_BACKOFF_SECONDS, JWKS_REFRESH_AHEAD_SECONDS",
    ]);
  });

  it("ignores vars with no prefix of edge-auth's and no close name", () => {
    expect(warnings(["SITE_NAME", "API_BASE", "ASSETS", "AUTH_METRICS"])).toEqual([]);
  });

  it("knows every var of the schema and the tables read apart from it", () => {
    expect(KNOWN_VARS).toEqual(
      expect.arrayContaining([...Object.keys(envSchema.entries), "AUTH_ROUTES", "OIDC_AUTH_PARAMS"]),
    );
    expect(warnings([...KNOWN_VARS])).toEqual([]);
  });
});
