import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWorkerEnv } from "../../src/config/check-env.ts";
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
