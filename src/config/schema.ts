import * as v from "valibot";
import { isSecureUrl } from "../http/secure-url.ts";
import { DEFAULTS } from "./defaults.ts";
import { identityHeaderPrefix, identityHeadersSchema, ownHeaderName } from "./schema-headers.ts";
import { claimName } from "./schema-routes.ts";
import { flag, fraction, nonEmptyString, scopeList, stringList, wholeNumber } from "./schema-values.ts";

export { type RouteRuleInput, routeRuleSchema, routesSchema } from "./schema-routes.ts";

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
  REPLAY_NETWORK_THRESHOLD: v.optional(wholeNumber(1, 100)),
  IDENTITY_HEADER_PREFIX: v.optional(identityHeaderPrefix),
  IDENTITY_HEADERS: v.optional(identityHeadersSchema()),
  FORWARD_TOKEN_HEADER: v.optional(ownHeaderName),
  GROUPS_CLAIM: v.optional(claimName),
  EMAIL_VERIFIED_REQUIRED: v.optional(flag),
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
  OIDC_USERINFO: v.optional(flag),
  OIDC_LOGOUT_HINT: v.optional(
    v.picklist(["client_id", "id_token_hint"], 'must be "client_id" or "id_token_hint"'),
  ),
  SESSION_SECRET: v.optional(v.string("must be a string")),
  DPOP_NONCE: v.optional(
    v.pipe(
      v.string('must be "off" or "required"'),
      v.trim(),
      v.picklist(["off", "required"], 'must be "off" (the default) or "required"'),
    ),
  ),
  DPOP_NONCE_SECRET: v.optional(v.string("must be a string")),
  FORWARDED_HEADERS: v.optional(
    v.pipe(
      v.string('must be "strip" or "set"'),
      v.trim(),
      v.picklist(["strip", "set"], 'must be "strip" (the default) or "set"'),
    ),
  ),
  HEALTH_TOKEN: v.optional(bearerSecret("HEALTH_TOKEN", DEFAULTS.healthTokenMinBytes)),
  REVOCATION_ADMIN_TOKEN: v.optional(
    bearerSecret("REVOCATION_ADMIN_TOKEN", DEFAULTS.revocationAdminTokenMinBytes),
  ),
  REVOCATION_FENCE_INTERVAL_MS: v.optional(wholeNumber(50, 10_000)),
  REVOCATION_FENCE_TIMEOUT_MS: v.optional(wholeNumber(10, 5000)),
  REVOCATION_FENCE_REQUIRED: v.optional(flag),
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

/** A secret sent as `Authorization: Bearer <token>`: the b64token grammar of RFC 6750 §2.1, long enough. */
function bearerSecret(name: string, minBytes: number) {
  return v.pipe(
    v.string("must be a string"),
    v.regex(
      /^[A-Za-z0-9\-._~+/]+=*$/,
      "must be letters, digits and - . _ ~ + / (then = only), as a bearer token is",
    ),
    v.minBytes(
      minBytes,
      `must be at least ${minBytes} bytes; use a random value, e.g. \`openssl rand -base64 32 | npx wrangler secret put ${name}\``,
    ),
  );
}

/** Vars read apart from `envSchema` (JSON text or TOML tables, validated on their own). */
export const TABLE_VARS = [
  "AUTH_ROUTES",
  "AUTH_ISSUERS",
  "OIDC_AUTH_PARAMS",
  // JWKs (src/assertion/assertion-config.ts).
  "ASSERTION_SIGNING_KEY",
  "ASSERTION_SIGNING_KEY_PREVIOUS",
] as const;

/**
 * Every var edge-auth reads: derived from the schema, so a key added there is known to the
 * unknown-var check (did-you-mean) without a second list to keep in step.
 */
export const KNOWN_VARS: readonly string[] = [...Object.keys(envSchema.entries), ...TABLE_VARS];
