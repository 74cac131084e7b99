import * as v from "valibot";
import { readAssertionSettings } from "../assertion/assertion-config.ts";
import { type ClaimPath, compileClaimPath } from "../policy/claim-path.ts";
import { compilePattern } from "../policy/route-pattern.ts";
import { fail, ok, type Result } from "../result.ts";
import type {
  DpopNonceSettings,
  GateConfig,
  IssuerPolicy,
  LoginSettings,
  RoutePolicy,
  SessionSettings,
} from "./config.ts";
import { crossFieldProblems } from "./cross-checks.ts";
import { DEFAULTS } from "./defaults.ts";
import { type IndexedIssuerEntry, issuerProblems, routeIssuerProblems } from "./issuer-checks.ts";
import {
  acceptedIssuersOf,
  groupsClaimOf,
  type IssuerDefaults,
  issuerPolicyOf,
  loginIssuerPolicy,
} from "./issuer-policies.ts";
import type { ConfigProblem } from "./problem.ts";
import { routeConflicts } from "./route-conflicts.ts";
import {
  authParamsSchema,
  envSchema,
  type RawEnv,
  type RouteRuleInput,
  routeRuleSchema,
  routesSchema,
} from "./schema.ts";
import { issuerEntrySchema, issuersSchema, LOGIN_ISSUER_NAME } from "./schema-issuers.ts";
import { compileStepUp } from "./schema-step-up.ts";

export { type ConfigProblem, formatProblem } from "./problem.ts";

/**
 * Validates the worker's environment and compiles it. Every problem is reported, each with its path
 * (`AUTH_ROUTES[2].pattern: must start with "/"`), never just the first.
 */
export function loadConfig(env: Readonly<Record<string, unknown>>): Result<GateConfig, ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  // Tables may come as JSON text (`--var`, `.dev.vars`); one that is not JSON is reported here.
  const identityHeaders = readTable(env.IDENTITY_HEADERS, "IDENTITY_HEADERS", problems);
  const envInput = env.IDENTITY_HEADERS === undefined ? env : { ...env, IDENTITY_HEADERS: identityHeaders };
  const fields = parseFields(envInput, problems);
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

  const issuersInput = readList(env.AUTH_ISSUERS, "AUTH_ISSUERS", problems);
  const parsedIssuers =
    issuersInput === undefined ? undefined : v.safeParse(issuersSchema, issuersInput, { abortEarly: false });
  if (parsedIssuers && !parsedIssuers.success) {
    problems.push(...parsedIssuers.issues.map((issue) => toProblem(issue, "AUTH_ISSUERS")));
  }

  // The checks across fields run on whatever parsed, so one run reports every problem.
  const allowedAlgorithms = fields.OIDC_ALLOWED_ALGS ?? [...DEFAULTS.allowedAlgorithms];
  const issuerDefaults: IssuerDefaults = {
    groupsClaim: groupsClaimOf(fields.GROUPS_CLAIM ?? DEFAULTS.groupsClaim),
    allowedAlgorithms,
    clockLeewaySeconds: fields.CLOCK_LEEWAY_SECONDS ?? DEFAULTS.clockLeewaySeconds,
  };
  const issuerEntries = validIssuerEntriesOf(issuersInput);
  problems.push(...issuerProblems(issuerEntries, fields.OIDC_ISSUER, allowedAlgorithms));
  const issuers = [
    ...(fields.OIDC_ISSUER === undefined || fields.OIDC_CLIENT_ID === undefined
      ? []
      : [
          loginIssuerPolicy(
            fields.OIDC_ISSUER,
            fields.OIDC_CLIENT_ID,
            fields.OIDC_TRUSTED_AUDIENCES ?? [],
            issuerDefaults,
          ),
        ]),
    ...issuerEntries.map(({ entry }) => issuerPolicyOf(entry, issuerDefaults)),
  ];
  const issuersByName = new Map(issuers.map((issuer) => [issuer.name, issuer]));
  const compile = (rule: RouteRuleInput, index: number) => compileRoute(rule, index, issuersByName);
  const validRoutes = parsedRoutes?.success
    ? parsedRoutes.output.map(compile)
    : validRulesOf(routesInput, issuersByName);
  const defaultRoute = compile(
    {
      pattern: "*",
      access: "authenticated",
      unauthenticated: "auto",
      require_dpop: false,
      refuse_replayed: false,
    },
    -1,
  );
  problems.push(...crossFieldProblems(fields, envInput, allowedAlgorithms, validRoutes));
  problems.push(...routeConflicts(validRoutes, defaultRoute));
  // Names of entries that are broken otherwise still count: a route naming them is not the problem.
  const issuerNames = new Set([LOGIN_ISSUER_NAME, ...namesIn(issuersInput)]);
  const issuersReadable = typeof env.AUTH_ISSUERS !== "string" || issuersInput !== undefined;
  if (issuersReadable) problems.push(...routeIssuerProblems(validRoutes, issuersByName, issuerNames));
  if (problems.length > 0 || !parsedRoutes?.success) return fail(problems);
  // Every field parsed: together they are the schema's output.
  const raw = fields as RawEnv;

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
  const routes = validRoutes;
  const session = sessionSettings(raw);
  const login = loginSettings(raw, parsedAuthParams?.success ? parsedAuthParams.output : {});

  const issuer = raw.OIDC_ISSUER;
  return ok({
    issuer,
    clientId: raw.OIDC_CLIENT_ID,
    issuers,
    ...(raw.ORIGIN_URL === undefined ? {} : { originUrl: new URL(raw.ORIGIN_URL) }),
    routes,
    defaultRoute,
    allowedAlgorithms,
    trustedAudiences: raw.OIDC_TRUSTED_AUDIENCES ?? [],
    clockLeewaySeconds: raw.CLOCK_LEEWAY_SECONDS ?? DEFAULTS.clockLeewaySeconds,
    maxTokenLifetimeSeconds: raw.MAX_TOKEN_LIFETIME_SECONDS ?? DEFAULTS.maxTokenLifetimeSeconds,
    replayNetworkThreshold: raw.REPLAY_NETWORK_THRESHOLD ?? DEFAULTS.replayNetworkThreshold,
    maxTokenBytes: DEFAULTS.maxTokenBytes,
    identityHeaderPrefix: raw.IDENTITY_HEADER_PREFIX ?? DEFAULTS.identityHeaderPrefix,
    identityHeaders: { ...DEFAULTS.identityHeaders, ...raw.IDENTITY_HEADERS },
    ...(raw.FORWARD_TOKEN_HEADER === undefined ? {} : { forwardTokenHeader: raw.FORWARD_TOKEN_HEADER }),
    forwardedHeaders: raw.FORWARDED_HEADERS ?? DEFAULTS.forwardedHeaders,
    groupsClaim: claimPathOf(raw.GROUPS_CLAIM ?? DEFAULTS.groupsClaim),
    emailVerifiedRequired: raw.EMAIL_VERIFIED_REQUIRED ?? DEFAULTS.emailVerifiedRequired,
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
      fence: {
        intervalMs: raw.REVOCATION_FENCE_INTERVAL_MS ?? DEFAULTS.revocationFenceIntervalMs,
        timeoutMs: raw.REVOCATION_FENCE_TIMEOUT_MS ?? DEFAULTS.revocationFenceTimeoutMs,
        maxPagesPerCheck: DEFAULTS.revocationFenceMaxPagesPerCheck,
      },
      fenceRequired: raw.REVOCATION_FENCE_REQUIRED ?? DEFAULTS.revocationFenceRequired,
      ...(raw.REVOCATION_ADMIN_TOKEN === undefined ? {} : { adminSecretToken: raw.REVOCATION_ADMIN_TOKEN }),
    },
    login,
    session,
    loginEnabled: session.secret !== undefined,
    ...(assertion === undefined ? {} : { assertion }),
    ...dpopNonceSettings(raw, session),
  });
}

/** DPOP_NONCE = "required": nonces made with DPOP_NONCE_SECRET, else SESSION_SECRET (checked present). */
function dpopNonceSettings(raw: RawEnv, session: SessionSettings): { dpopNonce?: DpopNonceSettings } {
  const secret = raw.DPOP_NONCE_SECRET ?? session.secret;
  if ((raw.DPOP_NONCE ?? DEFAULTS.dpopNonce) !== "required" || secret === undefined) return {};
  return { dpopNonce: { secret, windowSeconds: DEFAULTS.dpopNonceWindowSeconds } };
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
    logoutHint: raw.OIDC_LOGOUT_HINT ?? DEFAULTS.logoutHint,
    userinfo: raw.OIDC_USERINFO ?? DEFAULTS.userinfo,
  };
}

function sessionSettings(raw: RawEnv): SessionSettings {
  const absoluteTtlSeconds = raw.SESSION_ABSOLUTE_TTL_SECONDS ?? DEFAULTS.sessionAbsoluteTtlSeconds;
  const idleTtlSeconds = Math.min(
    raw.SESSION_IDLE_TTL_SECONDS ?? DEFAULTS.sessionIdleTtlSeconds,
    absoluteTtlSeconds,
  );
  const secret = raw.SESSION_SECRET;
  return {
    ...(secret === undefined || secret.length === 0 ? {} : { secret }),
    absoluteTtlSeconds,
    idleTtlSeconds,
    touchIntervalSeconds: Math.min(DEFAULTS.sessionTouchIntervalSeconds, Math.floor(idleTtlSeconds / 2)),
    memoryCacheSeconds: DEFAULTS.sessionMemoryCacheSeconds,
    cookieName: raw.SESSION_COOKIE_NAME ?? DEFAULTS.sessionCookieName,
  };
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

/** A list var that may be absent: a TOML array of tables, or JSON text. */
function readList(value: unknown, path: string, problems: ConfigProblem[]): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    problems.push({ path, message: "is a string but not valid JSON; write it as a TOML array of tables" });
    return undefined;
  }
}

function namesIn(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((entry: unknown) => {
    const name = (entry as { name?: unknown } | null)?.name;
    return typeof name === "string" ? [name.trim()] : [];
  });
}

/** The AUTH_ISSUERS entries that are valid on their own, with their index in the list. */
function validIssuerEntriesOf(input: unknown): IndexedIssuerEntry[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((entry: unknown, index) => {
    const parsed = v.safeParse(issuerEntrySchema, entry);
    return parsed.success ? [{ index, entry: parsed.output }] : [];
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

/**
 * Parses each var on its own, so that a bad one leaves the others usable for the checks across
 * fields. Problems come in the schema's order, with the var's name as their root.
 */
function parseFields(input: Readonly<Record<string, unknown>>, problems: ConfigProblem[]): Partial<RawEnv> {
  const fields: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(envSchema.entries)) {
    const parsed = v.safeParse(schema, input[name], { abortEarly: false });
    if (parsed.success) {
      if (parsed.output !== undefined) fields[name] = parsed.output;
    } else problems.push(...parsed.issues.map((issue) => toProblem(issue, name)));
  }
  return fields as Partial<RawEnv>;
}

/**
 * The route rules of AUTH_ROUTES (a TOML array or JSON text) that are valid on their own, compiled
 * with their index in the list; the deploy checks reason about them even when other rules are broken.
 */
export function validRouteRules(value: unknown): RoutePolicy[] {
  return validRulesOf(readRoutes(value, []));
}

/** The rules that are valid on their own (with their index in the list), when others are not. */
function validRulesOf(
  input: unknown,
  issuersByName: ReadonlyMap<string, IssuerPolicy> = new Map(),
): RoutePolicy[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((rule: unknown, index) => {
    const parsed = v.safeParse(routeRuleSchema, rule);
    return parsed.success ? [compileRoute(parsed.output, index, issuersByName)] : [];
  });
}

function compileRoute(
  rule: RouteRuleInput,
  index: number,
  issuersByName: ReadonlyMap<string, IssuerPolicy>,
): RoutePolicy {
  const allow = rule.allow;
  const issuers = rule.issuers ?? [LOGIN_ISSUER_NAME];
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
    requireClaims: Object.entries(rule.require_claims ?? {}).map(([name, value]) => ({
      claim: claimPathOf(name),
      anyOf: Array.isArray(value) ? value : [value],
    })),
    issuers,
    acceptedIssuers: acceptedIssuersOf(issuers, issuersByName),
    requireScopes: rule.require_scopes ?? [],
    requireDpop: rule.require_dpop ?? false,
    refuseReplayed: rule.refuse_replayed ?? false,
    ...compileStepUp(rule),
    ...(rule.assertion_audience === undefined ? {} : { assertionAudience: rule.assertion_audience }),
    ...(rule.host === undefined ? {} : { hosts: hostsOf(rule.host) }),
  };
}

/** `host` as written (one or a list, checked by the schema): lower case, each once. */
function hostsOf(host: string | readonly string[]): string[] {
  return [...new Set((typeof host === "string" ? [host] : host).map((name) => name.toLowerCase()))];
}

/** A claim name the schema has already checked (a pointer that compiles). */
function claimPathOf(name: string): ClaimPath {
  const compiled = compileClaimPath(name);
  if (!compiled.ok) throw new Error(`claim name passed the schema but does not compile: ${compiled.problem}`);
  return compiled.path;
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
