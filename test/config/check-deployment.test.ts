import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkDeployment, type Deployment } from "../../src/config/check-deployment.ts";
import { formatProblem } from "../../src/config/problem.ts";

const vars = {
  OIDC_ISSUER: "https://login.example.com",
  OIDC_CLIENT_ID: "site",
  AUTH_ROUTES: [{ pattern: "/", access: "public" }, { pattern: "/app/*" }],
};
const STRONG_SECRET = "Vq3r8J0x1mZb6nWc2Lk9Tt5Yh7Gd4Fs0Pa8Re1Uo3I=";

/** A deployment whose [vars] are `env` and which binds AUTH_KV, as wrangler.toml would declare it. */
function deployment(env: Record<string, unknown>, extra: Partial<Deployment> = {}): Deployment {
  return { env: { AUTH_KV: workerEnv.AUTH_KV, ...env }, varNames: Object.keys(env), ...extra };
}

function judged(d: Deployment, strict = false) {
  const report = checkDeployment(d, { strict });
  return { errors: report.errors.map(formatProblem), warnings: report.warnings.map(formatProblem) };
}

const inVars = (name: string, envFlag = "") =>
  `${name}: is a secret in [vars], which is committed to git and shown in the Cloudflare dashboard; delete it from wrangler.toml and run \`npx wrangler secret put ${name}${envFlag}\``;

describe("checking a deployment", () => {
  it("passes a good deployment with no warning and gives its compiled configuration", () => {
    const report = checkDeployment(deployment(vars, { assets: { run_worker_first: true } }), {
      strict: false,
    });
    expect([report.errors, report.warnings]).toEqual([[], []]);
    expect(report.config?.routes).toHaveLength(2);
  });

  it("warns about every secret written into [vars]: the known ones and any named like a secret", () => {
    const secrets = {
      SESSION_SECRET: STRONG_SECRET,
      OIDC_CLIENT_SECRET: "s3cret",
      WEBHOOK_SIGNING_KEY: "whsec-stand-in-for-a-signing-key",
      HEALTH_TOKEN: STRONG_SECRET,
    };
    expect(judged(deployment({ ...vars, ...secrets }, { environment: "production" }))).toEqual({
      errors: [],
      warnings: [
        inVars("SESSION_SECRET", " --env production"),
        inVars("OIDC_CLIENT_SECRET", " --env production"),
        inVars("WEBHOOK_SIGNING_KEY", " --env production"),
        inVars("HEALTH_TOKEN", " --env production"),
      ],
    });
  });

  it("does not warn about secrets set with wrangler secret put (in the env, not in [vars])", () => {
    const d = deployment(vars);
    expect(judged({ ...d, env: { ...d.env, SESSION_SECRET: STRONG_SECRET } })).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it("warns that a loopback http issuer cannot serve a deployed worker", () => {
    expect(judged(deployment({ ...vars, OIDC_ISSUER: "http://127.0.0.1:9400" }))).toEqual({
      errors: [],
      warnings: [
        "OIDC_ISSUER: http://127.0.0.1:9400 is a loopback issuer: fine for npm start, not for a deployed worker; set your provider's https:// issuer",
      ],
    });
  });

  it("makes every warning an error with strict, and gives no configuration then", () => {
    const report = checkDeployment(
      deployment({ ...vars, OIDC_ISSUER: "http://localhost:9400", OIDC_SCOPE: "openid" }),
      {
        strict: true,
      },
    );
    expect(report.errors.map(formatProblem)).toEqual([
      "OIDC_SCOPE: is not an edge-auth setting and is ignored; did you mean OIDC_SCOPES?",
      "OIDC_ISSUER: http://localhost:9400 is a loopback issuer: fine for npm start, not for a deployed worker; set your provider's https:// issuer",
    ]);
    expect(report.warnings).toEqual([]);
    expect(report.config).toBeUndefined();
  });

  it("reports every problem in one run: vars, checks across vars, the binding, the assets, and the warnings", () => {
    const env = {
      OIDC_ISSUER: "http://login.example.com",
      CLOCK_LEEWAY_SECONDS: "soon",
      OIDC_ALLOWED_ALGS: ["RS256", "HS256"],
      OIDC_TOKEN_AUTH_METHOD: "client_secret_post",
      JWKS_MIN_MAX_AGE_SECONDS: 90000,
      JWKS_MAX_MAX_AGE_SECONDS: 3600,
      SESSION_IDLE_TTL_SECONDS: 999999,
      SESSION_SECRET: "short",
      AUTH_ROUTES: [{ pattern: "admin/*" }, { pattern: "/app/*", unauthenticated: "login" }],
      GROUP_CLAIM: "roles",
      SESION_ABSOLUTE_TTL_SECONDS: 3600,
    };
    const d: Deployment = { env, varNames: Object.keys(env), assets: { directory: "./site" } };
    expect(judged(d)).toEqual({
      errors: [
        "OIDC_ISSUER: must use https:// (http:// is allowed only for loopback hosts: 127.0.0.1, [::1], localhost)",
        "OIDC_CLIENT_ID: is required",
        "CLOCK_LEEWAY_SECONDS: must be a whole number",
        'AUTH_ROUTES[0].pattern: must start with "/" or be "*" (got "admin/*")',
        'OIDC_ALLOWED_ALGS: "HS256" is not allowed; choose from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519 (never "none" or HMAC)',
        "OIDC_TOKEN_AUTH_METHOD: requires OIDC_CLIENT_SECRET (client_secret_post sends the client secret); set the secret, or remove it for a public client",
        "JWKS_MIN_MAX_AGE_SECONDS: must not exceed JWKS_MAX_MAX_AGE_SECONDS (90000 > 3600)",
        "SESSION_IDLE_TTL_SECONDS: must not exceed SESSION_ABSOLUTE_TTL_SECONDS (999999 > 86400)",
        "SESSION_SECRET: is too weak (5 bytes, under 32); use a random value of at least 32 bytes, e.g. `openssl rand -base64 32`",
        'AUTH_KV: is not bound: edge-auth keeps sessions, sign-in attempts, revocations and its key cache there; create one (`npx wrangler kv namespace create AUTH_KV`) and add [[kv_namespaces]] binding = "AUTH_KV" with its id to wrangler.toml',
        'assets.run_worker_first: is not set, so Cloudflare serves every file in "./site" to anyone without running edge-auth; set run_worker_first = true',
      ],
      warnings: [
        "GROUP_CLAIM: is not an edge-auth setting and is ignored; did you mean GROUPS_CLAIM?",
        "SESION_ABSOLUTE_TTL_SECONDS: is not an edge-auth setting and is ignored; did you mean SESSION_ABSOLUTE_TTL_SECONDS?",
        inVars("SESSION_SECRET"),
      ],
    });
  });

  it("checks the route rules that are valid against the assets even when others are broken", () => {
    const env = {
      ...vars,
      AUTH_ROUTES: [{ pattern: "nope" }, { pattern: "/app/*" }, { pattern: "/*", access: "public" }],
    };
    const d = deployment(env, { assets: { run_worker_first: ["/auth/*"] } });
    expect(judged(d).errors).toEqual([
      'AUTH_ROUTES[0].pattern: must start with "/" or be "*" (got "nope")',
      'assets.run_worker_first: does not cover AUTH_ROUTES[1] ("/app/*"), so Cloudflare would serve its files to anyone; set run_worker_first = true, or add "/app" and "/app/*"',
    ]);
  });
});
