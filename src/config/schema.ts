import * as v from "valibot";
import { isSecureUrl } from "../http/secure-url.ts";
import { patternProblem } from "./route-pattern.ts";

/** Vars arrive as TOML values (numbers, arrays, tables) or as strings from `--var` and `.dev.vars`. */
const nonEmptyString = v.pipe(v.string("must be a string"), v.trim(), v.minLength(1, "must not be empty"));

export const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.union(
      [
        v.number(),
        v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number)),
      ],
      "must be a whole number",
    ),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const flag = v.union(
  [
    v.boolean(),
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(["true", "false"]),
      v.transform((text) => text === "true"),
    ),
  ],
  'must be true or false (a TOML boolean, or the string "true" or "false")',
);

const fraction = v.pipe(
  v.union(
    [
      v.number(),
      v.pipe(v.string(), v.trim(), v.regex(/^\d+(\.\d+)?$/, "must be a number"), v.transform(Number)),
    ],
    "must be a number between 0 and 1",
  ),
  v.minValue(0, "must be at least 0"),
  v.maxValue(1, "must be at most 1"),
);

/**
 * A list: a TOML array, or a string from `--var`/`.dev.vars` — JSON text when it starts with `[`
 * (`'["a","b"]'`), else comma-separated (`a, b`).
 */
const stringList = v.pipe(
  v.union(
    [v.array(nonEmptyString, "must be a list of strings"), v.string()],
    "must be a list of strings or a comma-separated string",
  ),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== "string") return dataset.value;
    const text = dataset.value.trim();
    if (!text.startsWith("["))
      return text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    const list = parseJsonStringList(text);
    if (list) return list;
    addIssue({ message: 'starts with "[" but is not a JSON list of non-empty strings' });
    return NEVER;
  }),
);

function parseJsonStringList(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return undefined;
    const items = parsed.map((item) => (typeof item === "string" ? item.trim() : ""));
    return items.every((item) => item.length > 0) ? items : undefined;
  } catch {
    return undefined;
  }
}

/** Scopes as a space- or comma-separated string or a list; OIDC requires "openid" among them. */
const scopeList = v.pipe(
  v.union(
    [
      v.array(nonEmptyString, "must be a list of scopes"),
      v.pipe(
        v.string(),
        v.transform((text) => text.split(/[\s,]+/).filter((item) => item.length > 0)),
      ),
    ],
    "must be a list of scopes or a space-separated string",
  ),
  v.check(
    (scopes) => scopes.every((scope) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)),
    "each scope must be printable ASCII without quotes or backslashes (RFC 6749 §3.3)",
  ),
  v.check((scopes) => scopes.includes("openid"), 'must include "openid" (OIDC Core §3.1.2.1)'),
);

/**
 * Extra authorization request parameters (`prompt`, `max_age`, `acr_values`, `login_hint`…). The ones
 * edge-auth sets itself for every attempt cannot be overridden.
 */
export const RESERVED_AUTH_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "response_mode",
  "request",
  "request_uri",
] as const;

export const authParamsSchema = v.pipe(
  v.record(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9_.-]+$/, "parameter names are letters, digits, _ . and -"),
      v.check(
        (name) => !(RESERVED_AUTH_PARAMS as readonly string[]).includes(name),
        (issue) =>
          `${JSON.stringify(issue.input)} is set by edge-auth for every attempt and cannot be overridden`,
      ),
    ),
    v.union([v.string(), v.number()], "must be a string or a number"),
    "must be a table of parameter = value",
  ),
  v.check(
    (params) => params.max_age === undefined || /^\d+$/.test(String(params.max_age).trim()),
    "max_age must be a whole number of seconds",
  ),
);

const claimValue = v.union([v.string(), v.number(), v.boolean()], "must be a string, number or boolean");

export const routeRuleSchema = v.strictObject(
  {
    pattern: v.pipe(
      v.string("must be a string"),
      v.check(
        (pattern) => patternProblem(pattern) === undefined,
        (issue) => patternProblem(String(issue.input)) ?? "is not a valid pattern",
      ),
    ),
    access: v.optional(
      v.picklist(["public", "authenticated"], 'must be "public" or "authenticated"'),
      "authenticated",
    ),
    unauthenticated: v.optional(
      v.picklist(["auto", "login", "401"], 'must be "auto", "login" or "401"'),
      "auto",
    ),
    allow: v.optional(
      v.strictObject(
        {
          groups: v.optional(v.array(nonEmptyString, "must be a list of strings")),
          emails: v.optional(v.array(nonEmptyString, "must be a list of strings")),
          email_domains: v.optional(v.array(nonEmptyString, "must be a list of strings")),
        },
        (issue) =>
          `unknown key ${JSON.stringify(issue.expected === "never" ? issue.input : issue.received)}; known: groups, emails, email_domains`,
      ),
    ),
    require_claims: v.optional(v.record(nonEmptyString, claimValue, "must be a table of claim = value")),
  },
  (issue) =>
    `unknown key ${String(issue.received)}; known: pattern, access, unauthenticated, allow, require_claims`,
);

export const routesSchema = v.pipe(
  v.array(routeRuleSchema, "must be a list of route rules"),
  v.minLength(1, "must list at least one route rule"),
);

const headerName = v.pipe(
  nonEmptyString,
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name"),
);

/**
 * Headers edge-auth must never set or strip for an identity: they carry the request's own framing,
 * credentials or routing, or belong to Cloudflare (`cf-…`).
 */
export const RESERVED_HEADER_NAMES = [
  "cookie",
  "authorization",
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "te",
  "upgrade",
  "proxy-authorization",
  "set-cookie",
] as const;

/** Compared as the origin may see them: case-insensitively, `_` read as `-`. */
function foldHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, "-");
}

/** A header edge-auth writes for the origin (an identity header, the forwarded token). */
const ownHeaderName = v.pipe(
  headerName,
  v.check(
    (name) => !(RESERVED_HEADER_NAMES as readonly string[]).includes(foldHeaderName(name)),
    (issue) =>
      `${JSON.stringify(issue.input)} is reserved (${RESERVED_HEADER_NAMES.join(", ")}); choose another name`,
  ),
  v.check(
    (name) => !foldHeaderName(name).startsWith("cf-"),
    (issue) =>
      `${JSON.stringify(issue.input)} starts with "cf-", which belongs to Cloudflare; choose another name`,
  ),
);

/**
 * Every client header starting with the prefix is stripped: it must be long enough to be specific and
 * must not swallow a reserved header, `X-Forwarded-…` or `cf-…`.
 */
const identityHeaderPrefix = v.pipe(
  headerName,
  v.minLength(4, "must be at least 4 characters (every request header starting with it is removed)"),
  v.check(
    (prefix) =>
      ![...RESERVED_HEADER_NAMES, "x-forwarded-", "cf-"].some((name) =>
        name.startsWith(foldHeaderName(prefix)),
      ),
    (issue) =>
      `${JSON.stringify(issue.input)} would remove headers edge-auth must keep (${[...RESERVED_HEADER_NAMES, "X-Forwarded-*", "cf-*"].join(", ")}); use a specific prefix such as "X-Auth-"`,
  ),
);

/** IDENTITY_HEADERS: a table of claim = header name (TOML, or JSON text from `--var`/`.dev.vars`). */
function identityHeadersSchema() {
  return v.strictObject(
    {
      sub: v.optional(ownHeaderName),
      email: v.optional(ownHeaderName),
      name: v.optional(ownHeaderName),
      groups: v.optional(ownHeaderName),
      issuer: v.optional(ownHeaderName),
    },
    (issue) =>
      issue.expected === "never"
        ? `unknown key ${JSON.stringify(issue.input)}; known: sub, email, name, groups, issuer`
        : "must be a table of claim = header name",
  );
}

export const envSchema = v.looseObject({
  OIDC_ISSUER: v.pipe(
    nonEmptyString,
    v.url("must be an absolute URL"),
    v.check(
      (issuer: string) => isSecureUrl(issuer),
      "must use https:// (http:// is allowed only for loopback hosts: 127.0.0.1, [::1], localhost)",
    ),
    v.check((issuer) => !/[?#]/.test(issuer), "must not have a query or fragment"),
  ),
  OIDC_CLIENT_ID: nonEmptyString,
  ORIGIN_URL: v.optional(
    v.pipe(
      nonEmptyString,
      v.url("must be an absolute URL"),
      v.check((url) => /^https?:/.test(url), "must be http:// or https://"),
    ),
  ),
  OIDC_ALLOWED_ALGS: v.optional(stringList),
  OIDC_TRUSTED_AUDIENCES: v.optional(stringList),
  CLOCK_LEEWAY_SECONDS: v.optional(wholeNumber(0, 300)),
  MAX_TOKEN_LIFETIME_SECONDS: v.optional(wholeNumber(60, 30 * 24 * 3600)),
  IDENTITY_HEADER_PREFIX: v.optional(identityHeaderPrefix),
  IDENTITY_HEADERS: v.optional(identityHeadersSchema()),
  FORWARD_TOKEN_HEADER: v.optional(ownHeaderName),
  GROUPS_CLAIM: v.optional(nonEmptyString),
  AUTH_REALM: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/, "must be printable ASCII without quotes or backslashes"),
    ),
  ),
  JWKS_MIN_MAX_AGE_SECONDS: v.optional(wholeNumber(60, 7 * 24 * 3600)),
  JWKS_MAX_MAX_AGE_SECONDS: v.optional(wholeNumber(60, 7 * 24 * 3600)),
  JWKS_MAX_STALE_SECONDS: v.optional(wholeNumber(0, 30 * 24 * 3600)),
  JWKS_FETCH_TIMEOUT_MS: v.optional(wholeNumber(100, 30_000)),
  UNKNOWN_KID_COOLDOWN_SECONDS: v.optional(wholeNumber(1, 3600)),
  LOG_SAMPLE_RATE: v.optional(fraction),
  LOG_EMAILS: v.optional(flag),
  SERVER_TIMING: v.optional(flag),
  REVOCATION_CACHE_SECONDS: v.optional(wholeNumber(1, 60)),
  UNKNOWN_KID_SHARED_COOLDOWN: v.optional(flag),
  JWKS_FAILURE_BACKOFF_SECONDS: v.optional(wholeNumber(1, 3600)),
  JWKS_REFRESH_AHEAD_SECONDS: v.optional(wholeNumber(0, 24 * 3600)),
  OIDC_CLIENT_SECRET: v.optional(nonEmptyString),
  OIDC_TOKEN_AUTH_METHOD: v.optional(
    v.picklist(
      ["client_secret_basic", "client_secret_post"],
      'must be "client_secret_basic" or "client_secret_post"',
    ),
  ),
  OIDC_SCOPES: v.optional(scopeList),
  SESSION_SECRET: v.optional(v.string("must be a string")),
  SESSION_ABSOLUTE_TTL_SECONDS: v.optional(wholeNumber(300, 90 * 24 * 3600)),
  SESSION_IDLE_TTL_SECONDS: v.optional(wholeNumber(120, 90 * 24 * 3600)),
  SESSION_COOKIE_NAME: v.optional(
    v.pipe(
      nonEmptyString,
      v.regex(/^[A-Za-z0-9!#$&'*+.^_`|~-]+$/, "must be a cookie name (letters, digits, - _ . and the like)"),
      v.check(
        (name) => !/^__(host|secure)-/i.test(name),
        'must not start with "__Host-" or "__Secure-": the prefix is added when the site is served over https',
      ),
    ),
  ),
});

export type RawEnv = v.InferOutput<typeof envSchema>;
export type RouteRuleInput = v.InferOutput<typeof routeRuleSchema>;
