import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerEnv } from "../../src/config/check-env.ts";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { formatProblem } from "../../src/config/problem.ts";

const vars = { OIDC_ISSUER: "https://login.example.com", OIDC_CLIENT_ID: "site", AUTH_KV: workerEnv.AUTH_KV };

function errors(env: Record<string, unknown>): string[] {
  const checked = checkWorkerEnv({ ...vars, ...env });
  return checked.config.ok ? [] : checked.config.failure.map(formatProblem);
}

describe("the require_dpop route field", () => {
  it("compiles require_dpop = true with the DPOP_REPLAY binding, and defaults to false", () => {
    const checked = checkWorkerEnv({
      ...vars,
      DPOP_REPLAY: workerEnv.DPOP_REPLAY,
      AUTH_ROUTES: [{ pattern: "/api/*", require_dpop: true }, { pattern: "*" }],
    });
    expect(checked.config.ok && checked.config.value.routes.map((route) => route.requireDpop)).toEqual([
      true,
      false,
    ]);
  });

  it("reports a non-boolean require_dpop, a public route that requires DPoP, and a missing binding at once", () => {
    expect(
      errors({
        AUTH_ROUTES: [
          { pattern: "/a/*", require_dpop: "yes" },
          { pattern: "/b/*", access: "public", require_dpop: true },
        ],
      }),
    ).toEqual([
      "AUTH_ROUTES[0].require_dpop: must be true or false",
      'AUTH_ROUTES[1].require_dpop: a public route checks no credential (pattern "/b/*"); remove require_dpop or access = "public"',
    ]);
    expect(errors({ AUTH_ROUTES: [{ pattern: "/api/*", require_dpop: true }] })).toEqual([
      'DPOP_REPLAY: is not bound, and AUTH_ROUTES[0] ("/api/*") requires DPoP, whose replayed proofs only a Durable Object can refuse; add [[durable_objects.bindings]] name = "DPOP_REPLAY" class_name = "DpopReplayObject" and its [[migrations]] block to wrangler.toml (docs/dpop.md)',
    ]);
  });
});

describe("the DPOP_NONCE var (RFC 9449 §9 server nonces)", () => {
  const nonceSecret = "test-only-dpop-nonce-secret-83c1e5a7f2d94b06";
  const sessionSecret = "test-only-session-secret-6f1d9c2ab7e04f38";
  const nonceSettings = (env: Record<string, unknown>) => {
    const checked = checkWorkerEnv({ ...vars, AUTH_ROUTES: [{ pattern: "*" }], ...env });
    if (!checked.config.ok) throw new Error(checked.config.failure.map(formatProblem).join("\n"));
    return checked.config.value.dpopNonce;
  };

  it("is off by default, and when set to off", () => {
    expect(nonceSettings({})).toBeUndefined();
    expect(nonceSettings({ DPOP_NONCE: "off", DPOP_NONCE_SECRET: nonceSecret })).toBeUndefined();
  });

  it("makes nonces with DPOP_NONCE_SECRET, else with SESSION_SECRET", () => {
    const window = DEFAULTS.dpopNonceWindowSeconds;
    expect(
      nonceSettings({
        DPOP_NONCE: "required",
        DPOP_NONCE_SECRET: nonceSecret,
        SESSION_SECRET: sessionSecret,
      }),
    ).toEqual({ secret: nonceSecret, windowSeconds: window });
    expect(nonceSettings({ DPOP_NONCE: " required ", SESSION_SECRET: sessionSecret })).toEqual({
      secret: sessionSecret,
      windowSeconds: window,
    });
  });

  it("reports an unknown value, a missing secret and a weak secret, each naming its var", () => {
    const routes = { AUTH_ROUTES: [{ pattern: "*" }] };
    expect(errors({ ...routes, DPOP_NONCE: "always" })).toEqual([
      'DPOP_NONCE: must be "off" (the default) or "required"',
    ]);
    expect(errors({ ...routes, DPOP_NONCE: "required" })).toEqual([
      'DPOP_NONCE_SECRET: is required because DPOP_NONCE = "required" makes its nonces with it (or with SESSION_SECRET, when sign-in is configured); set a random value of at least 32 bytes (e.g. `openssl rand -base64 32 | npx wrangler secret put DPOP_NONCE_SECRET`), or set DPOP_NONCE = "off"',
    ]);
    expect(errors({ ...routes, DPOP_NONCE: "required", DPOP_NONCE_SECRET: "short" })).toEqual([
      "DPOP_NONCE_SECRET: is too weak (5 bytes, under 32); use a random value of at least 32 bytes, e.g. `openssl rand -base64 32 | npx wrangler secret put DPOP_NONCE_SECRET`",
    ]);
    expect(errors({ ...routes, DPOP_NONCE: true, DPOP_NONCE_SECRET: 42 })).toEqual([
      'DPOP_NONCE: must be "off" or "required"',
      "DPOP_NONCE_SECRET: must be a string",
    ]);
  });
});
