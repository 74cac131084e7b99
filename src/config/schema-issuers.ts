import * as v from "valibot";
import { isSecureUrl } from "../http/secure-url.ts";
import { claimName } from "./schema-routes.ts";
import { nonEmptyString, wholeNumber } from "./schema-values.ts";

/** The name the sign-in issuer (OIDC_ISSUER / OIDC_CLIENT_ID) has in route rules. */
export const LOGIN_ISSUER_NAME = "login";

export const TOKEN_TYPES = ["id_token", "access_token"] as const;

/**
 * `at+jwt`: an access token must say so in its `typ` header (RFC 9068 §2.1, §4). `any`: for providers
 * whose JWT access tokens carry `typ: JWT` or none (Entra ID v2, Auth0, Okta).
 */
export const ACCESS_TOKEN_TYPS = ["at+jwt", "any"] as const;

const secureUrl = (what: string) =>
  v.pipe(
    nonEmptyString,
    v.url("must be an absolute URL"),
    v.check(
      (url: string) => isSecureUrl(url),
      `must use https:// (http:// is allowed only for loopback hosts: 127.0.0.1, [::1], localhost)${what}`,
    ),
    v.check((url) => !/[?#]/.test(url), "must not have a query or fragment"),
  );

const nonEmptyList = (what: string) =>
  v.pipe(
    v.array(nonEmptyString, `must be a list of ${what}`),
    v.minLength(1, `must list at least one of the ${what}`),
  );

const KNOWN_KEYS =
  "name, issuer, audiences, token_types, client_ids, groups_claim, algorithms, clock_leeway_seconds, access_token_typ, jwks_uri";

/** One entry of AUTH_ISSUERS: an issuer whose tokens routes may accept next to the sign-in issuer's. */
export const issuerEntrySchema = v.strictObject(
  {
    name: v.pipe(
      nonEmptyString,
      v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1-32 lower-case letters, digits, - and _"),
      v.check(
        (name) => name !== LOGIN_ISSUER_NAME,
        `"${LOGIN_ISSUER_NAME}" is the sign-in issuer's name (OIDC_ISSUER); choose another`,
      ),
    ),
    issuer: secureUrl(""),
    audiences: nonEmptyList("audiences"),
    token_types: v.pipe(
      v.array(
        v.picklist(TOKEN_TYPES, 'must be "id_token" or "access_token"'),
        'must be a list of "id_token" and "access_token"',
      ),
      v.minLength(1, 'must list "id_token", "access_token" or both'),
      v.check((types) => new Set(types).size === types.length, "must not repeat a token type"),
    ),
    client_ids: v.optional(nonEmptyList("client ids")),
    groups_claim: v.optional(claimName),
    algorithms: v.optional(nonEmptyList("algorithms")),
    clock_leeway_seconds: v.optional(wholeNumber(0, 300)),
    access_token_typ: v.optional(
      v.picklist(ACCESS_TOKEN_TYPS, 'must be "at+jwt" (RFC 9068, the default) or "any"'),
      "at+jwt",
    ),
    jwks_uri: v.optional(secureUrl("")),
  },
  (issue) => `unknown key ${String(issue.received)}; known: ${KNOWN_KEYS}`,
);

export const issuersSchema = v.array(issuerEntrySchema, "must be a list of issuer tables");

export type IssuerEntryInput = v.InferOutput<typeof issuerEntrySchema>;
