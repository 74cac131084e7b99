import type { AssertionSettings } from "../assertion/assertion-config.ts";
import type { ForwardedHeadersMode } from "../forward/forwarded-headers.ts";
import type { ClaimPath } from "../policy/claim-path.ts";
import type { RuleValue } from "../policy/claim-types.ts";
import type { PathMatcher } from "../policy/route-pattern.ts";
import type { StepUpRequirement } from "../policy/step-up.ts";

export type UnauthenticatedAnswer = "auto" | "login" | "401";

export interface AllowRules {
  readonly groups: readonly string[];
  readonly emails: readonly string[];
  /** Lower-case, without a leading "@". */
  readonly emailDomains: readonly string[];
}

/** The kinds of token an issuer's tokens may be (RFC 9068 access tokens, OIDC ID tokens). */
export type TokenType = "id_token" | "access_token";

/**
 * One issuer whose tokens routes may accept: the sign-in issuer ("login", from OIDC_ISSUER) or an
 * entry of AUTH_ISSUERS. Tokens are matched to it by their `iss`, exactly, before any key lookup.
 */
export interface IssuerPolicy {
  /** Its name in route rules (`issuers = ["login", "ci"]`). */
  readonly name: string;
  /** Its `iss`, compared exactly. */
  readonly issuer: string;
  readonly tokenTypes: readonly TokenType[];
  /** Access tokens: `aud` must contain one of these (RFC 9068 §4). */
  readonly audiences: readonly string[];
  /** ID tokens: `aud` must contain one of these (OIDC Core §3.1.3.7 rule 3). */
  readonly clientIds: readonly string[];
  /** ID tokens: audiences an ID token may list besides a client id. */
  readonly trustedAudiences: readonly string[];
  /** ID tokens: whether `azp`, when present (required with several audiences), must be a client id. */
  readonly checkAuthorizedParty: boolean;
  /** "at+jwt": access tokens must carry `typ: at+jwt` (RFC 9068 §2.1); "any": they need not. */
  readonly accessTokenTyp: "at+jwt" | "any";
  /** Where its tokens keep group names: a top-level claim or a JSON Pointer (GROUPS_CLAIM's rules). */
  readonly groupsClaim: ClaimPath;
  /** A subset of the allow-list (OIDC_ALLOWED_ALGS). */
  readonly allowedAlgorithms: readonly string[];
  readonly clockLeewaySeconds: number;
  /** Its keys' URL when it has no OIDC discovery document; otherwise discovery gives `jwks_uri`. */
  readonly jwksUri?: string;
}

export interface RoutePolicy {
  readonly index: number;
  readonly pattern: string;
  readonly matches: PathMatcher;
  readonly access: "public" | "authenticated";
  readonly unauthenticated: UnauthenticatedAnswer;
  /** Absent: every verified identity is admitted. */
  readonly allow?: AllowRules;
  /** Every one must match (`require_claims`), in the order written. */
  readonly requireClaims: readonly ClaimRequirement[];
  /** The names of the issuers whose tokens the route accepts; "login" when the rule names none. */
  readonly issuers: readonly string[];
  /** The same issuers by their exact `iss`: how a token's issuer is selected (a map lookup). */
  readonly acceptedIssuers: ReadonlyMap<string, IssuerPolicy>;
  /** Scopes an access token must all carry (`scope` or `scp`); a missing one is a 403. */
  readonly requireScopes: readonly string[];
  /** Only DPoP-bound tokens with a valid proof (RFC 9449) are accepted here: no Bearer, no session. */
  readonly requireDpop: boolean;
  /** A credential suspected of replay (src/observe/replay-suspicion.ts) is refused here, not only recorded. */
  readonly refuseReplayed: boolean;
  /** `require_acr`, `require_amr`, `max_age`: absent when the route has none (src/policy/step-up.ts). */
  readonly stepUp?: StepUpRequirement;
  /** The `aud` of the assertions sent on this route; absent: the origin the request goes to. */
  readonly assertionAudience?: string;
  /**
   * `host`: the hosts the rule applies to, lower case, each a hostname or `*.` and a hostname (one
   * label below it, route-host.ts). Absent: every host.
   */
  readonly hosts?: readonly string[];
}

/** One `require_claims` entry: the claim (compiled once) and the values any one of which matches. */
export interface ClaimRequirement {
  readonly claim: ClaimPath;
  readonly anyOf: readonly RuleValue[];
}

export interface IdentityHeaderNames {
  readonly sub: string;
  readonly email: string;
  readonly name: string;
  readonly groups: string;
  readonly issuer: string;
}

export interface KeyCacheSettings {
  /** Bounds for the provider's Cache-Control max-age. */
  readonly minMaxAgeSeconds: number;
  readonly maxMaxAgeSeconds: number;
  /** How long past its max-age a document may still serve while it cannot be refreshed. */
  readonly maxStaleSeconds: number;
  readonly fetchTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly unknownKidCooldownSeconds: number;
  /** Whether the unknown-kid cooldown is shared through KV by the isolates of a location. */
  readonly unknownKidSharedCooldown: boolean;
  readonly failureBackoffSeconds: number;
  readonly refreshAheadSeconds: number;
  readonly kvTimeoutMs: number;
}

/** Decision logs and timing headers (docs/operations.md). */
export interface ObserveSettings {
  /** Fraction (0–1) of allowed decisions (forwarded, public) that are logged; refusals always are. */
  readonly logSampleRate: number;
  /** Full email addresses in log lines; otherwise they are masked to `***@domain`. */
  readonly logEmails: boolean;
  /** Add a `Server-Timing` header with key lookup and verification times. */
  readonly serverTiming: boolean;
}

/** How an isolate consults the fence (REVOCATION_FENCE_INTERVAL_MS, REVOCATION_FENCE_TIMEOUT_MS). */
export interface FenceSettings {
  /** An isolate asks the fence for changes at most once per this interval; in between nothing changed. */
  readonly intervalMs: number;
  /** A request waits this long for the fence's answer, then goes on with what it knows (and KV's view). */
  readonly timeoutMs: number;
  /** Pages of changes read in one check at most (a cold isolate reading a long history). */
  readonly maxPagesPerCheck: number;
}

/** Emergency revocation: one document per issuer in KV, cached in isolate memory. */
export interface RevocationSettings {
  /** After this, the cached document is refreshed in the background. */
  readonly cacheSeconds: number;
  /** After this, a request waits for KV rather than trust the cached document. */
  readonly maxStaleSeconds: number;
  /** How isolates consult the revocation fence (the REVOCATION_FENCE Durable Object), when bound. */
  readonly fence: FenceSettings;
  /** Refuse protected requests (503) while the fence cannot be consulted, instead of falling back to KV. */
  readonly fenceRequired: boolean;
  /** REVOCATION_ADMIN_TOKEN: who sends it as a bearer token may POST /auth/revoke. Never logged. */
  readonly adminSecretToken?: string;
}

/** How browsers sign in (authorization code flow with PKCE, OIDC Core §3.1). */
export interface LoginSettings {
  /** Absent: a public client (PKCE only). Never logged. */
  readonly clientSecret?: string;
  readonly tokenAuthMethod: "client_secret_basic" | "client_secret_post" | "none";
  readonly scopes: readonly string[];
  /** Extra authorization request parameters (prompt, max_age, acr_values…), as sent. */
  readonly extraAuthParams: Readonly<Record<string, string>>;
  /** From `max_age` in the extra parameters: then `auth_time` is checked at the callback. */
  readonly maxAgeSeconds?: number;
  readonly transactionTtlSeconds: number;
  readonly maxPendingLogins: number;
  /**
   * What identifies the session at the provider's end_session_endpoint besides `client_id` and
   * `post_logout_redirect_uri`: nothing more (`client_id`), or the ID token (`id_token_hint`), which
   * then sits in the browser's history and the provider's logs.
   */
  readonly logoutHint: LogoutHint;
  /**
   * OIDC_USERINFO: fetch the UserInfo endpoint at sign-in with the access token (OIDC Core §5.3) and
   * let route rules see its claims; its `sub` must equal the ID token's.
   */
  readonly userinfo: boolean;
}

export type LogoutHint = "client_id" | "id_token_hint";

/** Server-side sessions for signed-in browsers. */
export interface SessionSettings {
  /** Absent only when no route can send a browser to sign in. Never logged. */
  readonly secret?: string;
  readonly absoluteTtlSeconds: number;
  readonly idleTtlSeconds: number;
  /** At most one KV write per session per this interval to record activity (idle timeout). */
  readonly touchIntervalSeconds: number;
  readonly memoryCacheSeconds: number;
  /** Without the `__Host-` prefix, which is added when cookies are Secure. */
  readonly cookieName: string;
}

/** DPOP_NONCE = "required": the key server nonces are made with, and how long each window lasts. */
export interface DpopNonceSettings {
  /** DPOP_NONCE_SECRET, or SESSION_SECRET when that is not set (a key of its own is derived from it). */
  readonly secret: string;
  readonly windowSeconds: number;
}

/** The validated configuration, compiled once per isolate. */
export interface GateConfig {
  readonly issuer: string;
  readonly clientId: string;
  /** Every issuer: the sign-in issuer ("login") first, then AUTH_ISSUERS in order. */
  readonly issuers: readonly IssuerPolicy[];
  readonly originUrl?: URL;
  readonly routes: readonly RoutePolicy[];
  /** Used for paths no rule matches: they need an identity. */
  readonly defaultRoute: RoutePolicy;
  readonly allowedAlgorithms: readonly string[];
  readonly trustedAudiences: readonly string[];
  readonly clockLeewaySeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  /** More distinct client networks than this for one credential: `token_replay_suspected`. */
  readonly replayNetworkThreshold: number;
  readonly maxTokenBytes: number;
  readonly identityHeaderPrefix: string;
  readonly identityHeaders: IdentityHeaderNames;
  readonly forwardTokenHeader?: string;
  /** Client-sent `X-Forwarded-*` are always removed; `set`: edge-auth writes its own (forwarded-headers.ts). */
  readonly forwardedHeaders: ForwardedHeadersMode;
  /** GROUPS_CLAIM, compiled: a top-level name or a JSON Pointer. */
  readonly groupsClaim: ClaimPath;
  /** Email rules need `email_verified: true`; false: a missing `email_verified` counts as verified. */
  readonly emailVerifiedRequired: boolean;
  readonly realm: string;
  readonly keyCache: KeyCacheSettings;
  /** The deadline of every KV call a request waits for (DEFAULTS.kvTimeoutMs; the key cache's too). */
  readonly kvTimeoutMs: number;
  readonly unavailableRetryAfterSeconds: number;
  readonly observe: ObserveSettings;
  /**
   * HEALTH_TOKEN: who sends it as a bearer token sees `/auth/health` in detail; everyone else sees the
   * status only. Absent: nobody does. Never logged; left out of the fingerprint (a secret-named field).
   */
  readonly healthSecretToken?: string;
  readonly revocation: RevocationSettings;
  readonly login: LoginSettings;
  readonly session: SessionSettings;
  /** Whether sign-in is available: a session secret is configured. */
  readonly loginEnabled: boolean;
  /** Signed identity assertions (ASSERTION_SIGNING_KEY); absent when not configured. */
  readonly assertion?: AssertionSettings;
  /** DPOP_NONCE = "required": DPoP proofs must carry a server nonce (src/dpop/nonce.ts); absent: off. */
  readonly dpopNonce?: DpopNonceSettings;
}
