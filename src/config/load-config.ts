import * as v from "valibot";
import { readAssertionSettings } from "../assertion/assertion-config.ts";
import { fail, ok, type Result } from "../result.ts";
import type { GateConfig, LoginSettings, RoutePolicy, SessionSettings } from "./config.ts";
import { DEFAULTS, SUPPORTED_ALGORITHMS } from "./defaults.ts";
import { compilePattern } from "./route-pattern.ts";
import { authParamsSchema, envSchema, type RawEnv, type RouteRuleInput, routesSchema } from "./schema.ts";

/** One problem with the configuration: where it is and what to do about it. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}`;
}

/**
 * Validates the worker's environment and compiles it. Every problem is reported, each with its path
 * (`AUTH_ROUTES[2].pattern: must start with "/"`), never just the first.
 */
export function loadConfig(env: Readonly<Record<string, unknown>>): Result<GateConfig, ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  // Tables may come as JSON text (`--var`, `.dev.vars`); one that is not JSON is reported here.
  const identityHeaders = readTable(env.IDENTITY_HEADERS, "IDENTITY_HEADERS", problems);
  const envInput = env.IDENTITY_HEADERS === undefined ? env : { ...env, IDENTITY_HEADERS: identityHeaders };
  const parsedEnv = v.safeParse(envSchema, envInput, { abortEarly: false });
  if (!parsedEnv.success) problems.push(...parsedEnv.issues.map((issue) => toProblem(issue)));
  const assertion = readAssertionSettings(env, identityHeaders, problems);

  const routesInput = readRoutes(env.AUTH_ROUTES, problems);
  const authParamsInput = readTable(env.OIDC_AUTH_PARAMS, "OIDC_AUTH_PARAMS", problems);
  const parsedAuthParams =
    authParamsInput === undefined
      ? undefined
      : v.safeParse(authParamsSchema, authParamsInput, { abortEarly: false });
  if (parsedAuthParams && !parsedAuthParams.success) {
    problems.push(...parsedAuthParams.issues.map((issue) => toProblem(issue, "OIDC_AUTH_PARAMS")));
  }
  const parsedRoutes =
    routesInput === undefined ? undefined : v.safeParse(routesSchema, routesInput, { abortEarly: false });
  if (parsedRoutes && !parsedRoutes.success) {
    problems.push(...parsedRoutes.issues.map((issue) => toProblem(issue, "AUTH_ROUTES")));
  }

  if (!parsedEnv.success || !parsedRoutes?.success || (parsedAuthParams && !parsedAuthParams.success))
    return fail(problems);
  const raw = parsedEnv.output;

  const allowedAlgorithms = raw.OIDC_ALLOWED_ALGS ?? [...DEFAULTS.allowedAlgorithms];
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
  if (raw.OIDC_TOKEN_AUTH_METHOD !== undefined && raw.OIDC_CLIENT_SECRET === undefined)
    problems.push({
      path: "OIDC_TOKEN_AUTH_METHOD",
      message: `requires OIDC_CLIENT_SECRET (${raw.OIDC_TOKEN_AUTH_METHOD} sends the client secret); set the secret, or remove it for a public client`,
    });

  const keyCache = {
    minMaxAgeSeconds: raw.JWKS_MIN_MAX_AGE_SECONDS ?? DEFAULTS.jwksMinMaxAgeSeconds,
    maxMaxAgeSeconds: raw.JWKS_MAX_MAX_AGE_SECONDS ?? DEFAULTS.jwksMaxMaxAgeSeconds,
    maxStaleSeconds: raw.JWKS_MAX_STALE_SECONDS ?? DEFAULTS.jwksMaxStaleSeconds,
    fetchTimeoutMs: raw.JWKS_FETCH_TIMEOUT_MS ?? DEFAULTS.jwksFetchTimeoutMs,
    maxResponseBytes: DEFAULTS.jwksMaxResponseBytes,
    unknownKidCooldownSeconds: raw.UNKNOWN_KID_COOLDOWN_SECONDS ?? DEFAULTS.unknownKidCooldownSeconds,
    unknownKidSharedCooldown: raw.UNKNOWN_KID_SHARED_COOLDOWN ?? DEFAULTS.unknownKidSharedCooldown,
    failureBackoffSeconds: raw.JWKS_FAILURE_BACKOFF_SECONDS ?? DEFAULTS.jwksFailureBackoffSeconds,
    refreshAheadSeconds: raw.JWKS_REFRESH_AHEAD_SECONDS ?? DEFAULTS.jwksRefreshAheadSeconds,
    kvTimeoutMs: DEFAULTS.kvTimeoutMs,
  };
  if (keyCache.minMaxAgeSeconds > keyCache.maxMaxAgeSeconds) {
    problems.push({
      path: "JWKS_MIN_MAX_AGE_SECONDS",
      message: `must not exceed JWKS_MAX_MAX_AGE_SECONDS (${keyCache.minMaxAgeSeconds} > ${keyCache.maxMaxAgeSeconds})`,
    });
  }
  const routes = parsedRoutes.output.map(compileRoute);
  const defaultRoute = compileRoute({ pattern: "*", access: "authenticated", unauthenticated: "auto" }, -1);
  const session = sessionSettings(raw, routes, problems);
  const login = loginSettings(raw, parsedAuthParams?.output ?? {});
  if (problems.length > 0) return fail(problems);

  const issuer = raw.OIDC_ISSUER;
  return ok({
    issuer,
    clientId: raw.OIDC_CLIENT_ID,
    ...(raw.ORIGIN_URL === undefined ? {} : { originUrl: new URL(raw.ORIGIN_URL) }),
    routes,
    defaultRoute,
    allowedAlgorithms,
    trustedAudiences: raw.OIDC_TRUSTED_AUDIENCES ?? [],
    clockLeewaySeconds: raw.CLOCK_LEEWAY_SECONDS ?? DEFAULTS.clockLeewaySeconds,
    maxTokenLifetimeSeconds: raw.MAX_TOKEN_LIFETIME_SECONDS ?? DEFAULTS.maxTokenLifetimeSeconds,
    maxTokenBytes: DEFAULTS.maxTokenBytes,
    identityHeaderPrefix: raw.IDENTITY_HEADER_PREFIX ?? DEFAULTS.identityHeaderPrefix,
    identityHeaders: { ...DEFAULTS.identityHeaders, ...raw.IDENTITY_HEADERS },
    ...(raw.FORWARD_TOKEN_HEADER === undefined ? {} : { forwardTokenHeader: raw.FORWARD_TOKEN_HEADER }),
    forwardedHeaders: raw.FORWARDED_HEADERS ?? DEFAULTS.forwardedHeaders,
    groupsClaim: raw.GROUPS_CLAIM ?? DEFAULTS.groupsClaim,
    realm: raw.AUTH_REALM ?? DEFAULTS.realm,
    keyCache,
    kvTimeoutMs: DEFAULTS.kvTimeoutMs,
    unavailableRetryAfterSeconds: DEFAULTS.unavailableRetryAfterSeconds,
    observe: {
      logSampleRate: raw.LOG_SAMPLE_RATE ?? DEFAULTS.logSampleRate,
      logEmails: raw.LOG_EMAILS ?? DEFAULTS.logEmails,
      serverTiming: raw.SERVER_TIMING ?? DEFAULTS.serverTiming,
    },
    ...(raw.HEALTH_TOKEN === undefined ? {} : { healthSecretToken: raw.HEALTH_TOKEN }),
    revocation: {
      cacheSeconds: raw.REVOCATION_CACHE_SECONDS ?? DEFAULTS.revocationCacheSeconds,
      maxStaleSeconds: DEFAULTS.revocationMaxStaleSeconds,
    },
    login,
    session,
    loginEnabled: session.secret !== undefined,
    ...(assertion === undefined ? {} : { assertion }),
  });
}

function loginSettings(raw: RawEnv, authParams: Readonly<Record<string, string | number>>): LoginSettings {
  const extraAuthParams = Object.fromEntries(
    Object.entries(authParams).map(([name, value]) => [name, String(value).trim()]),
  );
  const maxAge = extraAuthParams.max_age;
  const clientSecret = raw.OIDC_CLIENT_SECRET;
  return {
    ...(clientSecret === undefined ? {} : { clientSecret }),
    tokenAuthMethod:
      clientSecret === undefined
        ? "none"
        : (raw.OIDC_TOKEN_AUTH_METHOD ?? DEFAULTS.tokenAuthMethodWithSecret),
    scopes: raw.OIDC_SCOPES ?? [...DEFAULTS.scopes],
    extraAuthParams,
    ...(maxAge === undefined ? {} : { maxAgeSeconds: Number(maxAge) }),
    transactionTtlSeconds: DEFAULTS.loginTransactionTtlSeconds,
    maxPendingLogins: DEFAULTS.maxPendingLogins,
  };
}

function sessionSettings(
  raw: RawEnv,
  routes: readonly RoutePolicy[],
  problems: ConfigProblem[],
): SessionSettings {
  const absoluteTtlSeconds = raw.SESSION_ABSOLUTE_TTL_SECONDS ?? DEFAULTS.sessionAbsoluteTtlSeconds;
  const idleTtlSeconds = Math.min(
    raw.SESSION_IDLE_TTL_SECONDS ?? DEFAULTS.sessionIdleTtlSeconds,
    absoluteTtlSeconds,
  );
  if (raw.SESSION_IDLE_TTL_SECONDS !== undefined && raw.SESSION_IDLE_TTL_SECONDS > absoluteTtlSeconds) {
    problems.push({
      path: "SESSION_IDLE_TTL_SECONDS",
      message: `must not exceed SESSION_ABSOLUTE_TTL_SECONDS (${raw.SESSION_IDLE_TTL_SECONDS} > ${absoluteTtlSeconds})`,
    });
  }
  const secret = raw.SESSION_SECRET;
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
  return {
    ...(secret === undefined || secret.length === 0 ? {} : { secret }),
    absoluteTtlSeconds,
    idleTtlSeconds,
    touchIntervalSeconds: Math.min(DEFAULTS.sessionTouchIntervalSeconds, Math.floor(idleTtlSeconds / 2)),
    memoryCacheSeconds: DEFAULTS.sessionMemoryCacheSeconds,
    cookieName: raw.SESSION_COOKIE_NAME ?? DEFAULTS.sessionCookieName,
  };
}

/** Names the first rule that can answer an unauthenticated browser with the login redirect, if any. */
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

/** A table var: a TOML table, or JSON text (from `--var` or `.dev.vars`). */
function readTable(value: unknown, path: string, problems: ConfigProblem[]): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    problems.push({ path, message: "is a string but not valid JSON; write it as a TOML table" });
    return undefined;
  }
}

function readRoutes(value: unknown, problems: ConfigProblem[]): unknown {
  if (value === undefined) {
    problems.push({
      path: "AUTH_ROUTES",
      message: 'is required: a list of route rules, e.g. [{ pattern = "/*" }]',
    });
    return undefined;
  }
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    problems.push({
      path: "AUTH_ROUTES",
      message: "is a string but not valid JSON; write it as a TOML array of tables",
    });
    return undefined;
  }
}

function compileRoute(rule: RouteRuleInput, index: number): RoutePolicy {
  const allow = rule.allow;
  return {
    index,
    pattern: rule.pattern,
    matches: compilePattern(rule.pattern),
    access: rule.access,
    unauthenticated: rule.unauthenticated,
    ...(allow === undefined
      ? {}
      : {
          allow: {
            groups: allow.groups ?? [],
            emails: (allow.emails ?? []).map((email) => email.toLowerCase()),
            emailDomains: (allow.email_domains ?? []).map((domain) => domain.toLowerCase().replace(/^@/, "")),
          },
        }),
    requireClaims: rule.require_claims ?? {},
    ...(rule.assertion_audience === undefined ? {} : { assertionAudience: rule.assertion_audience }),
  };
}

function toProblem(issue: v.BaseIssue<unknown>, root?: string): ConfigProblem {
  let path = root ?? "";
  for (const item of issue.path ?? []) {
    const key = item.key;
    path += typeof key === "number" ? `[${key}]` : path === "" ? String(key) : `.${String(key)}`;
  }
  const message = issue.received === "undefined" ? "is required" : issue.message;
  return { path: path === "" ? "(environment)" : path, message };
}
