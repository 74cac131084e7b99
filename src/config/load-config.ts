import * as v from "valibot";
import { fail, ok, type Result } from "../result.ts";
import type { GateConfig, RoutePolicy } from "./config.ts";
import { DEFAULTS, SUPPORTED_ALGORITHMS } from "./defaults.ts";
import { compilePattern } from "./route-pattern.ts";
import { envSchema, type RouteRuleInput, routesSchema } from "./schema.ts";

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
  const parsedEnv = v.safeParse(envSchema, env, { abortEarly: false });
  if (!parsedEnv.success) problems.push(...parsedEnv.issues.map((issue) => toProblem(issue)));

  const routesInput = readRoutes(env.AUTH_ROUTES, problems);
  const parsedRoutes =
    routesInput === undefined ? undefined : v.safeParse(routesSchema, routesInput, { abortEarly: false });
  if (parsedRoutes && !parsedRoutes.success) {
    problems.push(...parsedRoutes.issues.map((issue) => toProblem(issue, "AUTH_ROUTES")));
  }

  if (!parsedEnv.success || !parsedRoutes?.success) return fail(problems);
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
    kvTimeoutMs: DEFAULTS.jwksKvTimeoutMs,
  };
  if (keyCache.minMaxAgeSeconds > keyCache.maxMaxAgeSeconds) {
    problems.push({
      path: "JWKS_MIN_MAX_AGE_SECONDS",
      message: `must not exceed JWKS_MAX_MAX_AGE_SECONDS (${keyCache.minMaxAgeSeconds} > ${keyCache.maxMaxAgeSeconds})`,
    });
  }
  if (problems.length > 0) return fail(problems);

  const issuer = raw.OIDC_ISSUER;
  return ok({
    issuer,
    clientId: raw.OIDC_CLIENT_ID,
    ...(raw.ORIGIN_URL === undefined ? {} : { originUrl: new URL(raw.ORIGIN_URL) }),
    routes: parsedRoutes.output.map(compileRoute),
    defaultRoute: compileRoute({ pattern: "*", access: "authenticated", unauthenticated: "auto" }, -1),
    allowedAlgorithms,
    trustedAudiences: raw.OIDC_TRUSTED_AUDIENCES ?? [],
    clockLeewaySeconds: raw.CLOCK_LEEWAY_SECONDS ?? DEFAULTS.clockLeewaySeconds,
    maxTokenLifetimeSeconds: raw.MAX_TOKEN_LIFETIME_SECONDS ?? DEFAULTS.maxTokenLifetimeSeconds,
    maxTokenBytes: DEFAULTS.maxTokenBytes,
    identityHeaderPrefix: raw.IDENTITY_HEADER_PREFIX ?? DEFAULTS.identityHeaderPrefix,
    identityHeaders: { ...DEFAULTS.identityHeaders, ...raw.IDENTITY_HEADERS },
    ...(raw.FORWARD_TOKEN_HEADER === undefined ? {} : { forwardTokenHeader: raw.FORWARD_TOKEN_HEADER }),
    groupsClaim: raw.GROUPS_CLAIM ?? DEFAULTS.groupsClaim,
    realm: raw.AUTH_REALM ?? DEFAULTS.realm,
    keyCache,
    unavailableRetryAfterSeconds: DEFAULTS.unavailableRetryAfterSeconds,
    observe: {
      logSampleRate: raw.LOG_SAMPLE_RATE ?? DEFAULTS.logSampleRate,
      logEmails: raw.LOG_EMAILS ?? DEFAULTS.logEmails,
      serverTiming: raw.SERVER_TIMING ?? DEFAULTS.serverTiming,
    },
    revocation: {
      cacheSeconds: raw.REVOCATION_CACHE_SECONDS ?? DEFAULTS.revocationCacheSeconds,
      maxStaleSeconds: DEFAULTS.revocationMaxStaleSeconds,
    },
  });
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
