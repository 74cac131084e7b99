import * as v from "valibot";
import { claimPathProblem } from "../policy/claim-path.ts";
import { hostPatternProblem } from "./route-host.ts";
import { stepUpFields } from "./schema-step-up.ts";
import { nonEmptyString } from "./schema-values.ts";

const scalarClaimValue = v.union([v.string(), v.number(), v.boolean()]);
const CLAIM_VALUE_PROBLEM =
  "must be a string, number or boolean, or a non-empty list of them (any one matches)";
const claimValue = v.union(
  [scalarClaimValue, v.pipe(v.array(scalarClaimValue), v.minLength(1, CLAIM_VALUE_PROBLEM))],
  CLAIM_VALUE_PROBLEM,
);

/** A claim's name: as it appears in the token, or a JSON Pointer (RFC 6901) starting with "/". */
export const claimName = v.pipe(
  nonEmptyString,
  v.check(
    (name) => claimPathProblem(name) === undefined,
    (issue) => claimPathProblem(String(issue.input)) ?? "is not a valid claim name",
  ),
);

/** Names a table parser drops silently (prototype pollution guard): a rule on them would vanish. */
const UNCHECKABLE_CLAIM_NAMES: ReadonlySet<string> = new Set(["__proto__", "prototype", "constructor"]);

const requireClaimsSchema = v.pipe(
  v.custom<Record<string, unknown>>(
    (input) => typeof input === "object" && input !== null && !Array.isArray(input),
    "must be a table of claim = value",
  ),
  v.check(
    (table) => !Object.keys(table).some((name) => UNCHECKABLE_CLAIM_NAMES.has(name)),
    (issue) =>
      `cannot check a claim named ${Object.keys(issue.input as object)
        .filter((name) => UNCHECKABLE_CLAIM_NAMES.has(name))
        .map((name) => JSON.stringify(name))
        .join(", ")}; remove it`,
  ),
  v.record(claimName, claimValue, "must be a table of claim = value"),
);

const HOST_PROBLEM = 'must be a hostname or "*." and a hostname, or a non-empty list of them';
const hostPattern = v.pipe(
  v.string(HOST_PROBLEM),
  v.check(
    (pattern) => hostPatternProblem(pattern) === undefined,
    (issue) => hostPatternProblem(String(issue.input)) ?? "is not a valid host",
  ),
);
/** `host`: one pattern or a list; absent, the rule applies to every host. */
const hostSchema = v.union(
  [hostPattern, v.pipe(v.array(hostPattern, HOST_PROBLEM), v.minLength(1, HOST_PROBLEM))],
  HOST_PROBLEM,
);

/** Why a route pattern is not one (`*`, `/exact` or `/prefix/*`), with the fix; undefined when it is. */
function patternProblem(pattern: string): string | undefined {
  if (pattern === "*") return undefined;
  if (!pattern.startsWith("/")) return `must start with "/" or be "*" (got ${JSON.stringify(pattern)})`;
  const star = pattern.indexOf("*");
  if (star !== -1 && (star !== pattern.length - 1 || !pattern.endsWith("/*"))) {
    return `"*" is only allowed as a final "/*" (got ${JSON.stringify(pattern)})`;
  }
  if (/[?#\s]/.test(pattern))
    return `must be a path without query, fragment or spaces (got ${JSON.stringify(pattern)})`;
  return undefined;
}

const routeRuleFields = {
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
  require_claims: v.optional(requireClaimsSchema),
  assertion_audience: v.optional(
    v.pipe(
      nonEmptyString,
      v.maxLength(256, "must be at most 256 characters"),
      v.regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (a URL or a name)"),
    ),
  ),
  ...stepUpFields,
  host: v.optional(hostSchema),
  require_dpop: v.optional(v.boolean("must be true or false"), false),
  issuers: v.optional(
    v.pipe(
      v.array(nonEmptyString, "must be a list of issuer names"),
      v.minLength(1, 'must name at least one issuer ("login" is the sign-in issuer)'),
    ),
  ),
  require_scopes: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.string("must be a string"),
          // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
          v.regex(
            /^[\x21\x23-\x5b\x5d-\x7e]+$/,
            "must be a scope: printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)",
          ),
        ),
        "must be a list of scopes",
      ),
      v.minLength(1, "must list at least one scope"),
    ),
  ),
  refuse_replayed: v.optional(v.boolean("must be true or false"), false),
};

/** Every field a route rule may have; an unknown one is named with the list (derived, so it stays complete). */
export const routeRuleSchema = v.strictObject(
  routeRuleFields,
  (issue) => `unknown key ${String(issue.received)}; known: ${Object.keys(routeRuleFields).join(", ")}`,
);

export const routesSchema = v.pipe(
  v.array(routeRuleSchema, "must be a list of route rules"),
  v.minLength(1, "must list at least one route rule"),
);

export type RouteRuleInput = v.InferOutput<typeof routeRuleSchema>;
