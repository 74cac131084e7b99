import { describe, expect, it } from "vitest";
import type { Failure, FailureKind, OwnFailure } from "../../src/failure.ts";
import { topLevelClaim } from "../../src/policy/claim-path.ts";
import { type FailureContext, respondToFailure } from "../../src/respond/failure-response.ts";
import { identityOf } from "../support/identity.ts";

const REALM = "edge-auth";
const LOGIN_URL = "/auth/login?return_to=%2Fapp";
const NO_STORE = "private, no-store";
const JSON_TYPE = "application/json; charset=utf-8";
const HTML_TYPE = "text/html; charset=utf-8";
const TEXT_TYPE = "text/plain; charset=utf-8";

const api: FailureContext = { realm: REALM, credentialSent: true, presentation: "api" };
const page: FailureContext = { ...api, presentation: "page", loginUrl: LOGIN_URL };
const identity = identityOf(
  { iss: "https://issuer.test", sub: "alice", exp: 2_000_000_000 },
  topLevelClaim("groups"),
);

/** The headers the switch decides; absent ones are null, so an extra header fails the row. */
interface Expected {
  readonly status: number;
  readonly "cache-control": string | null;
  readonly "content-type": string | null;
  readonly "www-authenticate"?: string;
  readonly "retry-after"?: string;
  readonly allow?: string;
  readonly location?: string;
}

/** A refusal is answered for its context; a failure of edge-auth's own takes none. */
type Row = { readonly name: string; readonly expected: Expected } & (
  | { readonly failure: Failure; readonly context: FailureContext }
  | { readonly failure: OwnFailure; readonly context?: undefined }
);

const TABLE: readonly Row[] = [
  {
    name: "no credential from an API client → 401 with a bare challenge (RFC 6750 §3)",
    failure: { kind: "unauthenticated", reason: "no_credential" },
    context: { ...api, credentialSent: false },
    expected: {
      status: 401,
      "cache-control": NO_STORE,
      "content-type": JSON_TYPE,
      "www-authenticate": `Bearer realm="${REALM}"`,
    },
  },
  {
    name: "a token that did not verify → 401 invalid_token (RFC 6750 §3.1)",
    failure: { kind: "unauthenticated", reason: "expired" },
    context: api,
    expected: {
      status: 401,
      "cache-control": NO_STORE,
      "content-type": JSON_TYPE,
      "www-authenticate": `Bearer realm="${REALM}", error="invalid_token"`,
    },
  },
  {
    name: "an unauthenticated browser navigation → 302 to sign in",
    failure: { kind: "unauthenticated", reason: "no_credential" },
    context: page,
    expected: { status: 302, "cache-control": NO_STORE, "content-type": null, location: LOGIN_URL },
  },
  {
    name: "an unauthenticated page without sign-in → the 401 challenge",
    failure: { kind: "unauthenticated", reason: "session_expired" },
    context: { realm: REALM, credentialSent: true, presentation: "page" },
    expected: {
      status: 401,
      "cache-control": NO_STORE,
      "content-type": JSON_TYPE,
      "www-authenticate": `Bearer realm="${REALM}", error="invalid_token"`,
    },
  },
  {
    name: "a revoked credential from an API client → 401 invalid_token",
    failure: { kind: "unauthenticated", reason: "revoked" },
    context: api,
    expected: {
      status: 401,
      "cache-control": NO_STORE,
      "content-type": JSON_TYPE,
      "www-authenticate": `Bearer realm="${REALM}", error="invalid_token"`,
    },
  },
  {
    name: "a revoked session in a browser → a 403 page, never the sign-in redirect",
    failure: { kind: "unauthenticated", reason: "revoked" },
    context: page,
    expected: { status: 403, "cache-control": NO_STORE, "content-type": HTML_TYPE },
  },
  {
    name: "a malformed Authorization header → 400 invalid_request (RFC 6750 §3.1)",
    failure: { kind: "bad_request", reason: "invalid_authorization_header" },
    context: page,
    expected: {
      status: 400,
      "cache-control": NO_STORE,
      "content-type": JSON_TYPE,
      "www-authenticate": `Bearer realm="${REALM}", error="invalid_request"`,
    },
  },
  {
    name: "an identity the route does not admit, from an API client → 403 JSON",
    failure: { kind: "forbidden", reason: "forbidden_by_policy" },
    context: api,
    expected: { status: 403, "cache-control": NO_STORE, "content-type": JSON_TYPE },
  },
  {
    name: "an identity the route does not admit, in a browser → a 403 page",
    failure: { kind: "forbidden", reason: "forbidden_by_policy" },
    context: { ...page, identity },
    expected: { status: 403, "cache-control": NO_STORE, "content-type": HTML_TYPE },
  },
  {
    name: "keys that cannot be had, for an API client → 503 with Retry-After (RFC 9110 §10.2.3)",
    failure: { kind: "unavailable", reason: "jwks_unavailable", retryAfterSeconds: 7 },
    context: api,
    expected: { status: 503, "cache-control": NO_STORE, "content-type": JSON_TYPE, "retry-after": "7" },
  },
  {
    name: "keys that cannot be had, in a browser → a 503 page with Retry-After",
    failure: { kind: "unavailable", reason: "discovery_unavailable", retryAfterSeconds: 7 },
    context: page,
    expected: { status: 503, "cache-control": NO_STORE, "content-type": HTML_TYPE, "retry-after": "7" },
  },
  {
    name: "an unavailable store without its own delay → 503 with the default Retry-After",
    failure: { kind: "unavailable", reason: "session_store_unavailable" },
    context: api,
    expected: { status: 503, "cache-control": NO_STORE, "content-type": JSON_TYPE, "retry-after": "30" },
  },
  {
    name: "a sign-in that cannot be completed → a 400 page",
    failure: { kind: "bad_login", reason: "state_unknown" },
    context: page,
    expected: { status: 400, "cache-control": NO_STORE, "content-type": HTML_TYPE },
  },
  {
    name: "a method an own endpoint does not accept → 405 with Allow (RFC 9110 §15.5.6)",
    failure: {
      kind: "method_not_allowed",
      reason: "method_not_allowed",
      methods: { sent: "PUT", allowed: "GET, POST" },
    },
    expected: { status: 405, "cache-control": NO_STORE, "content-type": TEXT_TYPE, allow: "GET, POST" },
  },
  {
    name: "an ambiguous path from an API client → 400 JSON without a challenge, with or without a credential",
    failure: { kind: "bad_path", reason: "ambiguous_path" },
    context: api,
    expected: { status: 400, "cache-control": NO_STORE, "content-type": JSON_TYPE },
  },
  {
    name: "an ambiguous path from a browser → a 400 page, never the sign-in redirect",
    failure: { kind: "bad_path", reason: "ambiguous_path" },
    context: { ...page, credentialSent: false },
    expected: { status: 400, "cache-control": NO_STORE, "content-type": HTML_TYPE },
  },
  {
    name: "an origin that cannot be reached → 502 (RFC 9110 §15.6.3)",
    failure: { kind: "bad_gateway", reason: "origin_unreachable" },
    expected: { status: 502, "cache-control": NO_STORE, "content-type": TEXT_TYPE },
  },
  {
    name: "a bearer token whose authentication is too weak → 401 insufficient_user_authentication (RFC 9470 §3)",
    failure: {
      kind: "step_up",
      reason: "step_up_required",
      stepUp: {
        requirement: { acr: ["urn:example:mfa", "urn:example:hwk"], maxAgeSeconds: 300 },
        acrUnmet: true,
        amrUnmet: false,
        tooOld: false,
        detail: "acr: absent",
      },
    },
    context: api,
    expected: {
      status: 401,
      "cache-control": NO_STORE,
      "content-type": JSON_TYPE,
      "www-authenticate": `Bearer realm="${REALM}", error="insufficient_user_authentication", error_description="A sign-in with the authentication level urn:example:mfa or urn:example:hwk (acr) within the last 5 minutes is required", acr_values="urn:example:mfa urn:example:hwk", max_age="300"`,
    },
  },
  {
    name: "a browser session whose authentication is too weak → 302 to sign in again",
    failure: { kind: "step_up", reason: "step_up_required" },
    context: { ...page, loginUrl: `${LOGIN_URL}&step_up=0` },
    expected: {
      status: 302,
      "cache-control": NO_STORE,
      "content-type": null,
      location: `${LOGIN_URL}&step_up=0`,
    },
  },
  {
    name: "a step-up sign-in that still falls short → a 403 page, never another redirect",
    failure: { kind: "step_up", reason: "step_up_failed" },
    context: { ...page, retryUrl: `${LOGIN_URL}&step_up=0&reauth=1` },
    expected: { status: 403, "cache-control": NO_STORE, "content-type": HTML_TYPE },
  },
  {
    name: "a bug → a generic 500",
    failure: { kind: "internal_error", reason: "internal_error" },
    expected: { status: 500, "cache-control": NO_STORE, "content-type": TEXT_TYPE },
  },
  {
    name: "a broken configuration → a generic 500 page",
    failure: { kind: "misconfigured", reason: "misconfigured" },
    expected: { status: 500, "cache-control": NO_STORE, "content-type": HTML_TYPE },
  },
  {
    name: "a logout token that is not valid → 400 invalid_request JSON (Back-Channel Logout 1.0 §2.8)",
    failure: { kind: "logout_refused", reason: "logout_token_invalid" },
    expected: { status: 400, "cache-control": NO_STORE, "content-type": JSON_TYPE },
  },
];

/** Every kind, so that a new one fails the type check here until the table has a row for it. */
const EVERY_KIND: Record<FailureKind, true> = {
  unauthenticated: true,
  bad_request: true,
  forbidden: true,
  unavailable: true,
  bad_login: true,
  step_up: true,
  bad_path: true,
  method_not_allowed: true,
  bad_gateway: true,
  internal_error: true,
  misconfigured: true,
  logout_refused: true,
};

function respond(row: Row): Response {
  return row.context === undefined
    ? respondToFailure(row.failure)
    : respondToFailure(row.failure, row.context);
}

function decided(response: Response): Expected {
  const optional = (name: string) => {
    const value = response.headers.get(name);
    return value === null ? {} : { [name]: value };
  };
  return {
    status: response.status,
    "cache-control": response.headers.get("cache-control"),
    "content-type": response.headers.get("content-type"),
    ...optional("www-authenticate"),
    ...optional("retry-after"),
    ...optional("allow"),
    ...optional("location"),
  };
}

describe("the failure → response switch", () => {
  it("has a row for every failure kind", () => {
    expect(new Set(TABLE.map((row) => row.failure.kind))).toEqual(new Set(Object.keys(EVERY_KIND)));
  });

  for (const row of TABLE) {
    it(`answers ${row.name}`, () => {
      expect(decided(respond(row))).toEqual(row.expected);
    });
  }
});
