import { dpopNonceProblems, dpopRouteProblems } from "../dpop/config-problems.ts";
import type { RoutePolicy } from "./config.ts";
import { DEFAULTS, SUPPORTED_ALGORITHMS } from "./defaults.ts";
import type { ConfigProblem } from "./problem.ts";
import type { RawEnv } from "./schema.ts";
import { stepUpProblems } from "./schema-step-up.ts";

/**
 * The rules that involve more than one var, run on whatever parsed (`fields`: the vars that are
 * valid on their own; `routes`: the route rules that are) so that one run reports every problem.
 * A rule whose input failed to parse is skipped: its own problem is already reported.
 */
export function crossFieldProblems(
  fields: Partial<RawEnv>,
  input: Readonly<Record<string, unknown>>,
  allowedAlgorithms: readonly string[],
  routes: readonly RoutePolicy[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const alg of allowedAlgorithms) {
    if (!SUPPORTED_ALGORITHMS.has(alg)) {
      problems.push({
        path: "OIDC_ALLOWED_ALGS",
        message: `${JSON.stringify(alg)} is not allowed; choose from ${[...SUPPORTED_ALGORITHMS].join(", ")} (never "none" or HMAC)`,
      });
    }
  }
  if (allowedAlgorithms.length === 0)
    problems.push({ path: "OIDC_ALLOWED_ALGS", message: "must name at least one algorithm" });
  if (fields.OIDC_TOKEN_AUTH_METHOD !== undefined && input.OIDC_CLIENT_SECRET === undefined)
    problems.push({
      path: "OIDC_TOKEN_AUTH_METHOD",
      message: `requires OIDC_CLIENT_SECRET (${fields.OIDC_TOKEN_AUTH_METHOD} sends the client secret); set the secret, or remove it for a public client`,
    });
  const minMaxAge = fields.JWKS_MIN_MAX_AGE_SECONDS ?? DEFAULTS.jwksMinMaxAgeSeconds;
  const maxMaxAge = fields.JWKS_MAX_MAX_AGE_SECONDS ?? DEFAULTS.jwksMaxMaxAgeSeconds;
  if (minMaxAge > maxMaxAge) {
    problems.push({
      path: "JWKS_MIN_MAX_AGE_SECONDS",
      message: `must not exceed JWKS_MAX_MAX_AGE_SECONDS (${minMaxAge} > ${maxMaxAge})`,
    });
  }
  problems.push(...sessionProblems(fields, input, routes));
  problems.push(...dpopRouteProblems(routes));
  problems.push(...dpopNonceProblems(fields, input, secretWeakness));
  problems.push(...stepUpProblems(routes));
  return problems;
}

function sessionProblems(
  fields: Partial<RawEnv>,
  input: Readonly<Record<string, unknown>>,
  routes: readonly RoutePolicy[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const absoluteTtlSeconds = fields.SESSION_ABSOLUTE_TTL_SECONDS ?? DEFAULTS.sessionAbsoluteTtlSeconds;
  const idleTtlSeconds = fields.SESSION_IDLE_TTL_SECONDS;
  if (idleTtlSeconds !== undefined && idleTtlSeconds > absoluteTtlSeconds) {
    problems.push({
      path: "SESSION_IDLE_TTL_SECONDS",
      message: `must not exceed SESSION_ABSOLUTE_TTL_SECONDS (${idleTtlSeconds} > ${absoluteTtlSeconds})`,
    });
  }
  const secret = fields.SESSION_SECRET;
  if (secret === undefined && input.SESSION_SECRET !== undefined) return problems;
  const needsLogin = routeSendingToLogin(routes);
  if (secret === undefined || secret.length === 0) {
    if (needsLogin !== undefined) {
      problems.push({
        path: "SESSION_SECRET",
        message: `is required because ${needsLogin} sends browsers to sign in (unauthenticated = "login"); set a random value of at least ${DEFAULTS.sessionSecretMinBytes} bytes (e.g. \`openssl rand -base64 32 | npx wrangler secret put SESSION_SECRET\`), or set unauthenticated = "auto" or "401" on those routes`,
      });
    }
  } else {
    const weakness = secretWeakness(secret);
    if (weakness)
      problems.push({
        path: "SESSION_SECRET",
        message: `is too weak (${weakness}); use a random value of at least ${DEFAULTS.sessionSecretMinBytes} bytes, e.g. \`openssl rand -base64 32\``,
      });
  }
  return problems;
}

/**
 * The first rule that sends browsers to sign in whatever happens (`unauthenticated = "login"`). Rules
 * on "auto" only do so when sign-in is configured; without SESSION_SECRET they answer 401.
 */
function routeSendingToLogin(routes: readonly RoutePolicy[]): string | undefined {
  const found = routes.find((route) => route.access !== "public" && route.unauthenticated === "login");
  return found ? `AUTH_ROUTES[${found.index}] (${JSON.stringify(found.pattern)})` : undefined;
}

function secretWeakness(secret: string): string | undefined {
  const bytes = new TextEncoder().encode(secret).length;
  if (bytes < DEFAULTS.sessionSecretMinBytes)
    return `${bytes} bytes, under ${DEFAULTS.sessionSecretMinBytes}`;
  const distinct = new Set(secret).size;
  if (distinct < DEFAULTS.sessionSecretMinDistinctChars) return `only ${distinct} distinct characters`;
  return undefined;
}
