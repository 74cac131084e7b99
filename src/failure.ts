import type { StepUpShortfall } from "./policy/step-up.ts";

/**
 * Every way a request can fail, as a value: refused (the caller's credential, identity or sign-in),
 * or not served because of edge-auth's own state (an unreachable origin, a bug, a broken
 * configuration). The `reason` goes to the log; the wire only sees what `respondToFailure` makes of
 * the `kind`.
 */
export type FailureKind =
  /** No credential, or one that did not verify: 401 for API clients, login redirect for browsers. */
  | "unauthenticated"
  /** A credential the client sent is malformed at the HTTP level (RFC 6750 invalid_request). */
  | "bad_request"
  /** A verified identity the route does not admit. */
  | "forbidden"
  /** The keys or the provider cannot be had: 503, never 401 (the caller did nothing wrong). */
  | "unavailable"
  /** A sign-in that cannot be completed (unknown state, provider error…): a 400 page, never a loop. */
  | "bad_login"
  /**
   * A verified, admitted identity whose authentication is weaker or older than the route asks
   * (`require_acr`, `require_amr`, `max_age`): sign in again (browser), RFC 9470 401 (API), or, when a
   * new sign-in still falls short, a 403 page that says what is needed.
   */
  | "step_up"
  /** A path origins may read under rules that grant different access: 400, never a sign-in redirect. */
  | "bad_path"
  | OwnFailureKind;

/** Failures that do not depend on who asked: answered the same to every client, no context needed. */
export type OwnFailureKind =
  /** A method one of edge-auth's own endpoints does not accept: 405 with Allow (RFC 9110 §15.5.6). */
  | "method_not_allowed"
  /** The origin could not be reached: 502 (RFC 9110 §15.6.3). */
  | "bad_gateway"
  /** A bug: 500 with a generic body. */
  | "internal_error"
  /** The configuration does not validate: every request gets a generic 500 page. */
  | "misconfigured"
  /** A back-channel logout request that ends nothing: 400 JSON (Back-Channel Logout 1.0 §2.8). */
  | "logout_refused";

export type ClaimName =
  | "iss"
  | "sub"
  | "aud"
  | "azp"
  | "exp"
  | "iat"
  | "nbf"
  | "nonce"
  | "auth_time"
  | "client_id";

export type FailureReason =
  | "no_credential"
  | "invalid_authorization_header"
  | "token_too_large"
  | "malformed"
  | "unsupported_token_type"
  /** The token's `iss` is not one of the route's issuers (or of any configured issuer). */
  | "issuer_not_allowed"
  /** An access token where the issuer's route accepts ID tokens only, or the other way round. */
  | "token_type_not_allowed"
  | "alg_not_allowed"
  | "crit_not_supported"
  | "bad_signature"
  | "unknown_kid"
  | "expired"
  | "not_yet_valid"
  | `claim_missing:${ClaimName}`
  | `claim_invalid:${ClaimName}`
  | `claim_mismatch:${ClaimName}`
  | "forbidden_by_policy"
  /** An access token without every scope the route requires: 403 (RFC 6750 §3.1). */
  | "insufficient_scope"
  /** A claim a route rule reads has the wrong JSON type (`email_verified: "true"`): never a match. */
  | "claim_wrong_type"
  /**
   * The provider left the groups claim out for too many groups (Entra ID's `_claim_names.groups` or
   * `hasgroups`), and a route rule on groups is what decides: it cannot be decided (a 403).
   */
  | "groups_overage"
  /** The authentication does not satisfy the route's `require_acr`/`require_amr`/`max_age`. */
  | "step_up_required"
  /** A sign-in made to step up returned an authentication that still does not satisfy the route. */
  | "step_up_failed"
  /** `/auth/login?step_up=` names another route than the one `return_to` leads to. */
  | "step_up_mismatch"
  /** Readings of the path (letter case, trailing slash, decoded escapes…) fall under different rules. */
  | "ambiguous_path"
  /** The request's host has an empty label (`docs..example.com`), while some rule names a host. */
  | "ambiguous_host"
  /** An operator revoked the token's subject, session (`sid`) or signing key (docs/operations.md). */
  | "revoked"
  | "jwks_unavailable"
  /** REVOCATION_FENCE_REQUIRED: the revocation fence could not be consulted, so no revocation is known to be seen. */
  | "fence_unavailable"
  // Sender-constrained tokens (DPoP, RFC 9449; src/dpop/).
  /** `Authorization: DPoP` (or a `cnf.jkt` token) without a `DPoP` proof header. */
  | "dpop_proof_missing"
  /** The proof fails a check of RFC 9449 §4.3; the detail says which. */
  | "dpop_proof_invalid"
  /** A proof whose `jti` was seen before within its window (RFC 9449 §11.1). */
  | "dpop_replayed"
  /** DPOP_NONCE = "required" and the proof has no `nonce` claim (RFC 9449 §9): 401 `use_dpop_nonce`. */
  | "dpop_nonce_required"
  /** The proof's `nonce` is not one edge-auth handed out lately (expired, forged, another deployment's). */
  | "dpop_nonce_invalid"
  /** The token's `cnf.jkt` is not the thumbprint of the proof's key, or the token is not DPoP-bound. */
  | "dpop_binding_mismatch"
  /** A DPoP-bound token (`cnf.jkt`) sent as a Bearer token (RFC 9449 §7.2). */
  | "dpop_downgrade"
  /** A route with `require_dpop` and a credential that is not a DPoP-bound token. */
  | "dpop_required"
  /** A route with `refuse_replayed` and a credential seen from too many client networks. */
  | "token_replay_suspected"
  /** The DPoP replay store (Durable Object) did not answer: 503, the proof cannot be judged fresh. */
  | "replay_store_unavailable"
  | "discovery_unavailable"
  // Sessions (cookie credential).
  | "session_malformed"
  | "session_unknown"
  | "session_expired"
  | "session_idle"
  | "session_identity_expired"
  | "session_store_unavailable"
  | "refresh_failed"
  | "token_endpoint_unavailable"
  // The login flow (callback).
  | "state_missing"
  | "state_unknown"
  | "state_mismatch"
  | "state_expired"
  | "state_reused"
  /** RFC 9207 §2.4: the provider says it sends `iss` in authorization responses, and this one has none. */
  | "iss_missing"
  /** RFC 9207 §2.4: the response's `iss` is not the configured issuer (a mix-up), or is given twice. */
  | "iss_mismatch"
  | "provider_error"
  | "code_exchange_failed"
  | "token_response_invalid"
  | "id_token_missing"
  /** OIDC_USERINFO: the UserInfo endpoint failed or answered something unusable (OIDC Core §5.3). */
  | "userinfo_failed"
  /** OIDC Core §5.3.2: the UserInfo response's `sub` is not the ID token's. */
  | "userinfo_sub_mismatch"
  | "login_not_enabled"
  // Logout requests from the provider (back-channel and front-channel).
  /** Back-Channel Logout 1.0 §2.6: the logout token (or the request carrying it) is not valid. */
  | "logout_token_invalid"
  /** Back-Channel Logout 1.0 §2.6 step 10: a logout token with a `jti` seen before. */
  | "logout_token_replayed"
  /** Front-Channel Logout 1.0 §2: `iss` and `sid` missing, repeated, or naming another issuer. */
  | "logout_request_invalid"
  // edge-auth's own failures.
  | "method_not_allowed"
  /** The request-target `*` (RFC 9112 §3.2.4) with a method other than OPTIONS. */
  | "asterisk_form"
  | "origin_unreachable"
  | "internal_error"
  | "misconfigured";

/** Every reason code a decision can carry: a failure's, or `no_session` on a sign-out without one. */
export type ReasonCode = FailureReason | "no_session";

export interface Failure {
  readonly kind: FailureKind;
  readonly reason: FailureReason;
  /** Log-only detail; never a token, cookie or secret. */
  readonly detail?: string;
  /** For `unavailable`: how long a client should wait before trying again. */
  readonly retryAfterSeconds?: number;
  /** For `insufficient_scope`: the scopes the route requires (the challenge's `scope`, RFC 6750 §3). */
  readonly requiredScopes?: readonly string[];
  /** For `method_not_allowed`: the method the request used and the endpoint's `Allow` value. */
  readonly methods?: { readonly sent: string; readonly allowed: string };
  /** For `step_up`: what the route asks and what fell short. */
  readonly stepUp?: StepUpShortfall;
  /** For `dpop_nonce_*`: the nonce to use, sent as `DPoP-Nonce` with the challenge (RFC 9449 §9). */
  readonly dpopNonce?: string;
}

/** A failure of edge-auth's own (see OwnFailureKind). */
export interface OwnFailure extends Failure {
  readonly kind: OwnFailureKind;
}

export function unauthenticated(reason: FailureReason, detail?: string): Failure {
  return detail === undefined
    ? { kind: "unauthenticated", reason }
    : { kind: "unauthenticated", reason, detail };
}

export function unavailable(reason: FailureReason, retryAfterSeconds: number, detail?: string): Failure {
  return detail === undefined
    ? { kind: "unavailable", reason, retryAfterSeconds }
    : { kind: "unavailable", reason, retryAfterSeconds, detail };
}

export function badLogin(reason: FailureReason, detail?: string): Failure {
  return detail === undefined ? { kind: "bad_login", reason } : { kind: "bad_login", reason, detail };
}
