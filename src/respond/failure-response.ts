import { DEFAULTS } from "../config/defaults.ts";
import { type DpopChallenge, dpopChallengeHeader } from "../dpop/challenge.ts";
import { DPOP_NONCE_HEADER } from "../dpop/nonce.ts";
import type { Failure, OwnFailure } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";
import { PAGE_SECURITY_HEADERS } from "../pages/page.ts";
import {
  accessRevokedPage,
  forbiddenPage,
  groupsWithheldPage,
  misconfiguredPage,
  type ProviderError,
  pathNotServedPage,
  signInFailedPage,
  stepUpFailedPage,
  unavailablePage,
} from "../pages/pages.ts";
import type { StepUpShortfall } from "../policy/step-up.ts";
import { describeStepUp } from "../policy/step-up-wording.ts";
import { NO_STORE } from "./no-store.ts";

export interface FailureContext {
  readonly realm: string;
  /** Whether the request carried a credential (RFC 6750 §3: no `error` when none was sent). */
  readonly credentialSent: boolean;
  /**
   * "page" for a browser navigation (login redirect, HTML pages), "api" for everything else (JSON and
   * RFC 6750 challenges). A CORS preflight is always "api".
   */
  readonly presentation: "page" | "api";
  /** Where an unauthenticated "page" request is sent to sign in; without it, it gets the 401. */
  readonly loginUrl?: string;
  /** For a 403 page: who is signed in. */
  readonly identity?: VerifiedIdentity;
  /** Origins the sign-out form may lead to (the provider's logout endpoint). */
  readonly formActionOrigins?: readonly string[];
  /** For a failed sign-in: where "try again" starts over, and what the provider said. */
  readonly retryUrl?: string;
  readonly providerError?: ProviderError;
  /** Challenge with the DPoP scheme instead of Bearer (RFC 9449 §7.1; see src/dpop/challenge.ts). */
  readonly dpop?: DpopChallenge;
}

const GROUPS_WITHHELD =
  "the identity provider left the groups out of the token (too many groups); this route's rule on groups cannot be decided";

/** Stands in for the context of a failure of edge-auth's own, whose answer does not depend on it. */
const NO_CONTEXT: FailureContext = { realm: "", credentialSent: false, presentation: "api" };

/**
 * The one function that turns a failure into what the client sees: the login redirect (302) or a 401
 * with an RFC 6750 challenge (a revoked credential: 401, or a 403 page, never the redirect), 400 for a
 * malformed Authorization header or a failed sign-in (a page with "try again", never a redirect loop),
 * 400 for an ambiguous path (a page or JSON, whether or not a credential came with it), 403, 503 with
 * Retry-After. Browsers get small HTML pages, API clients JSON. edge-auth's own failures need no
 * context: 405 with Allow, 502 for an unreachable origin, 500 for a bug or a broken configuration.
 * The body stays generic; the reason goes to the log only.
 */
export function respondToFailure(failure: OwnFailure): Response;
export function respondToFailure(failure: Failure, context: FailureContext): Response;
export function respondToFailure(failure: Failure, context: FailureContext = NO_CONTEXT): Response {
  const page = context.presentation === "page";
  switch (failure.kind) {
    case "unauthenticated":
      // Signing in again cannot help a revoked credential: the provider's SSO would only make a new
      // session that is revoked again, round and round. The page offers sign-in as a link, no more.
      if (failure.reason === "revoked")
        return page ? accessRevokedPage(context.loginUrl) : challenge(401, "invalid_token", context, failure);
      if (page && context.loginUrl !== undefined) return loginRedirect(context.loginUrl);
      return challenge(401, context.credentialSent ? "invalid_token" : undefined, context, failure);
    case "bad_request":
      return challenge(400, "invalid_request", context, failure);
    case "forbidden":
      if (page && context.identity)
        return failure.reason === "groups_overage"
          ? groupsWithheldPage(context.identity, context.formActionOrigins ?? [])
          : forbiddenPage(context.identity, context.formActionOrigins ?? []);
      if (failure.reason === "insufficient_scope") return insufficientScope(failure, context);
      return failure.reason === "groups_overage"
        ? json(403, { error: "forbidden", error_description: GROUPS_WITHHELD })
        : json(403, { error: "forbidden" });
    case "unavailable": {
      const retryAfterSeconds = failure.retryAfterSeconds ?? DEFAULTS.unavailableRetryAfterSeconds;
      if (page) return unavailablePage(retryAfterSeconds);
      const response = json(503, { error: "temporarily_unavailable" });
      response.headers.set("retry-after", String(retryAfterSeconds));
      return response;
    }
    case "step_up":
      // A sign-in that already tried and fell short gets the page, never another redirect (no loop).
      if (failure.reason === "step_up_failed" || (page && context.loginUrl === undefined))
        return stepUpFailedPage(failure.stepUp?.requirement, context.retryUrl ?? "/");
      if (page) return loginRedirect(context.loginUrl as string);
      return stepUpChallenge(failure.stepUp, context);
    case "bad_login":
      return signInFailedPage(failure.reason, context.retryUrl ?? "/", context.providerError);
    case "bad_path":
      // Signing in cannot make the path mean one thing: a page for browsers, never the login redirect.
      return page ? pathNotServedPage() : json(400, { error: "bad_request" });
    case "method_not_allowed": {
      const { sent, allowed } = failure.methods ?? { sent: "This method", allowed: "GET" };
      return text(405, `${sent} is not allowed here.\n`, { allow: allowed });
    }
    case "bad_gateway":
      return text(502, "The site behind edge-auth could not be reached.\n");
    case "internal_error":
      return text(500, "edge-auth failed to handle this request.\n");
    case "misconfigured":
      return misconfiguredPage();
    case "logout_refused":
      return logoutRefusal(failure.reason);
  }
}

/**
 * Back-Channel Logout 1.0 §2.8: 400 with an OAuth error and no-store. A request that is not valid is
 * `invalid_request`; one edge-auth could not carry out (KV or the provider's keys unreachable) is
 * `temporarily_unavailable`, so the provider may send it again. The description is generic.
 */
function logoutRefusal(reason: Failure["reason"]): Response {
  switch (reason) {
    case "logout_token_invalid":
      return json(400, { error: "invalid_request", error_description: "The logout token is not valid." });
    case "logout_token_replayed":
      return json(400, { error: "invalid_request", error_description: "The logout token was used before." });
    default:
      return json(400, {
        error: "temporarily_unavailable",
        error_description: "The sessions could not be ended now; send the logout token again.",
      });
  }
}

/** 302 to sign in: no-store, and no referrer so the page's URL does not travel to the provider. */
export function loginRedirect(location: string): Response {
  return redirect(302, location);
}

/** A redirect edge-auth makes itself (after the callback and logout: 303, RFC 9110 §15.4.4). */
export function redirect(status: 302 | 303 | 308, location: string): Response {
  const headers = new Headers(PAGE_SECURITY_HEADERS);
  headers.set("location", location);
  return new Response(null, { status, headers });
}

function challenge(
  status: 400 | 401,
  error: string | undefined,
  context: FailureContext,
  failure: Failure,
): Response {
  if (context.dpop) {
    const dpop = dpopChallengeHeader(context.realm, context.dpop, failure.reason, error);
    const response = json(status, { error: dpop.error ?? "unauthenticated" });
    response.headers.set("www-authenticate", dpop.header);
    // RFC 9449 §9: the nonce to use comes with the `use_dpop_nonce` challenge.
    if (failure.dpopNonce !== undefined) response.headers.set(DPOP_NONCE_HEADER, failure.dpopNonce);
    return response;
  }
  const realm = `Bearer realm="${context.realm}"`;
  const response = json(status, { error: error ?? "unauthenticated" });
  response.headers.set("www-authenticate", error === undefined ? realm : `${realm}, error="${error}"`);
  return response;
}

/** RFC 6750 §3.1: 403 with `error="insufficient_scope"` and the scopes the resource requires. */
function insufficientScope(failure: Failure, context: FailureContext): Response {
  const response = json(403, { error: "insufficient_scope" });
  const scope = (failure.requiredScopes ?? []).join(" ");
  response.headers.set(
    "www-authenticate",
    `Bearer realm="${context.realm}", error="insufficient_scope"${scope === "" ? "" : `, scope="${scope}"`}`,
  );
  return response;
}

/**
 * RFC 9470 §3: 401 with `error="insufficient_user_authentication"`, what is needed in words, and the
 * route's `acr_values` and `max_age` (the whole requirement, so the client's next token meets all of
 * it). The values come from the configuration, which admits no quote or backslash in them.
 */
function stepUpChallenge(shortfall: StepUpShortfall | undefined, context: FailureContext): Response {
  const requirement = shortfall?.requirement ?? {};
  const params = [
    `Bearer realm="${context.realm}"`,
    `error="${INSUFFICIENT_USER_AUTHENTICATION}"`,
    `error_description="${capitalise(describeStepUp(requirement))} is required"`,
  ];
  if (requirement.acr) params.push(`acr_values="${requirement.acr.join(" ")}"`);
  if (requirement.maxAgeSeconds !== undefined) params.push(`max_age="${requirement.maxAgeSeconds}"`);
  const response = json(401, { error: INSUFFICIENT_USER_AUTHENTICATION });
  response.headers.set("www-authenticate", params.join(", "));
  return response;
}

const INSUFFICIENT_USER_AUTHENTICATION = "insufficient_user_authentication";

function capitalise(words: string): string {
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { ...headers, "cache-control": NO_STORE, "content-type": "text/plain; charset=utf-8" },
  });
}

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "cache-control": NO_STORE, "content-type": "application/json; charset=utf-8" },
  });
}
