/** Every default of the configuration, in one place. README's configuration reference lists the same. */
export const DEFAULTS = {
  allowedAlgorithms: [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
  ],
  clockLeewaySeconds: 30,
  /** A credential seen from more distinct client networks than this is suspected of replay. */
  replayNetworkThreshold: 3,
  /** Credentials whose networks an isolate remembers for replay suspicion (least recently used go). */
  replaySuspicionMaxCredentials: 10_000,
  maxTokenLifetimeSeconds: 24 * 60 * 60,
  maxTokenBytes: 16 * 1024,
  verifiedTokenCacheMaxEntries: 1000,
  verifiedTokenCacheMaxBytes: 4 * 1024 * 1024,
  identityHeaderPrefix: "X-Auth-",
  identityHeaders: {
    sub: "X-Auth-Sub",
    email: "X-Auth-Email",
    name: "X-Auth-Name",
    groups: "X-Auth-Groups",
    issuer: "X-Auth-Issuer",
  },
  groupsClaim: "groups",
  /** Email rules admit only `email_verified: true`; a missing claim is not verified. */
  emailVerifiedRequired: true,
  realm: "edge-auth",
  jwksMinMaxAgeSeconds: 5 * 60,
  jwksMaxMaxAgeSeconds: 24 * 60 * 60,
  jwksMaxStaleSeconds: 6 * 60 * 60,
  jwksFetchTimeoutMs: 4000,
  jwksMaxResponseBytes: 512 * 1024,
  /** After a failed fetch from the provider, an isolate waits this long before asking again. */
  jwksFailureBackoffSeconds: 30,
  /** The cron refreshes a document that would go stale within this time (2 × the 5-minute schedule). */
  jwksRefreshAheadSeconds: 10 * 60,
  /**
   * The longest any KV call a request waits for may take: a key-cache read that takes longer is a
   * miss, a session or sign-in read or write a 503.
   */
  kvTimeoutMs: 1000,
  /** Whether a forced refresh for an unknown kid is shared through KV with the location's other isolates. */
  unknownKidSharedCooldown: true,
  unknownKidCooldownSeconds: 30,
  unavailableRetryAfterSeconds: 30,
  // Operations: decision logs, Server-Timing, emergency revocation (docs/operations.md).
  logSampleRate: 1,
  logEmails: false,
  serverTiming: false,
  /** Client-sent `X-Forwarded-*` are always removed; "set" makes edge-auth write its own. */
  forwardedHeaders: "strip",
  /** HEALTH_TOKEN (which shows `/auth/health` in detail): bytes (UTF-8) at least. */
  healthTokenMinBytes: 32,
  revocationCacheSeconds: 10,
  /** A revocation document older than this is never used without waiting for KV first. */
  revocationMaxStaleSeconds: 60,
  /** The revocation fence (docs/operations.md): an isolate asks it for changes at most this often… */
  revocationFenceIntervalMs: 500,
  /** …and a request waits this long for its answer before going on with the last copy and KV's view. */
  revocationFenceTimeoutMs: 150,
  /** Pages of fence changes (1,000 events each) one check reads at most. */
  revocationFenceMaxPagesPerCheck: 10,
  /** Whether protected requests are refused (503) while the fence cannot be consulted; else KV's view serves. */
  revocationFenceRequired: false,
  /** REVOCATION_ADMIN_TOKEN (which may write to the fence through POST /auth/revoke): bytes (UTF-8) at least. */
  revocationAdminTokenMinBytes: 32,
  /** Signed-out ID tokens listed per revocation refresh: at most this many KV list pages (1,000 keys each). */
  signedOutListMaxPages: 20,
  scopes: ["openid", "email", "profile"],
  tokenAuthMethodWithSecret: "client_secret_basic",
  /** RP-Initiated Logout 1.0 §2: `client_id` keeps the ID token out of browser history and provider logs. */
  logoutHint: "client_id",
  /** OIDC_USERINFO: the UserInfo endpoint is not called unless asked for. */
  userinfo: false,
  /** A login attempt (state, nonce, PKCE verifier) lives this long at most. */
  loginTransactionTtlSeconds: 10 * 60,
  /** Sign-ins in progress per browser (tabs); older attempts are dropped beyond this. */
  maxPendingLogins: 5,
  sessionAbsoluteTtlSeconds: 24 * 60 * 60,
  sessionIdleTtlSeconds: 2 * 60 * 60,
  sessionTouchIntervalSeconds: 60,
  sessionMemoryCacheSeconds: 5,
  sessionCookieName: "edge-auth",
  /** SESSION_SECRET: bytes (UTF-8) and distinct characters at least. */
  sessionSecretMinBytes: 32,
  sessionSecretMinDistinctChars: 8,
  /** Without an ID token in a refresh response, the renewed identity lasts the access token's life or this. */
  refreshedIdentityFallbackSeconds: 5 * 60,
  /** KV is eventually consistent: a change can take this long to reach every location. */
  kvPropagationSeconds: 60,
  // DPoP (RFC 9449; docs/dpop.md).
  /** A proof's `iat` may be this far from now (either way), plus the clock leeway (RFC 9449 §11.1). */
  dpopProofWindowSeconds: 60,
  /** The `DPoP` header's length at most (a proof with an RSA-4096 key is about 1.5 KB). */
  dpopMaxProofBytes: 8 * 1024,
  /** A proof's `jti` at most this long (RFC 9449 §4.2 asks for 96 bits of randomness, ~16 characters). */
  dpopMaxJtiChars: 256,
  /** Replay-store Durable Objects the `jti`s are spread over (by their SHA-256). */
  dpopReplayShards: 32,
  /** The longest a request waits for the replay store; then it is unavailable (503). */
  dpopReplayTimeoutMs: 1000,
  /** DPOP_NONCE: proofs need no server nonce unless asked for (RFC 9449 §9). */
  dpopNonce: "off",
  /**
   * A server nonce's time window: a nonce is accepted in its window and the next, so it lives one to
   * two windows; a client whose nonce is in its last window gets the next one on a success.
   */
  dpopNonceWindowSeconds: 120,
  /** KV refuses an `expirationTtl` below this. */
  kvMinTtlSeconds: 60,
  /**
   * Back-Channel Logout 1.0 §2.6: a logout token whose `iat` is older than this (plus the clock
   * leeway) is refused; its `jti` is remembered as long as the token could be accepted.
   */
  logoutTokenMaxAgeSeconds: 10 * 60,
  /** Ended sessions (by sid or sub) listed per revocation refresh: at most this many KV list pages. */
  endedSessionsListMaxPages: 20,
  // Signed identity assertions for the origin (docs/assertion.md).
  /** An assertion's life (`exp` − `iat`); it is reused for half of it, so it arrives with ≥ 30 s left. */
  assertionLifetimeSeconds: 60,
  /** At most this many groups, the provider's first ones, in an assertion (`groups_truncated` marks a cut). */
  assertionMaxGroups: 32,
  /** …and at most this many bytes (UTF-8) of group names together. */
  assertionMaxGroupsBytes: 512,
  /** `/auth/jwks.json` may be cached this long by origins and shared caches. */
  assertionJwksMaxAgeSeconds: 300,
  /** Signed assertions kept per isolate for reuse, by count and by approximate bytes. */
  assertionReuseMaxEntries: 1000,
  assertionReuseMaxBytes: 2 * 1024 * 1024,
} as const;

/**
 * The paths edge-auth answers itself; register `callback` and `signedOut` at the provider, and
 * `backchannelLogout` / `frontchannelLogout` as its logout URIs (docs/login.md).
 */
export const AUTH_PATHS = {
  login: "/auth/login",
  callback: "/auth/callback",
  logout: "/auth/logout",
  signedOut: "/auth/signed-out",
  whoami: "/auth/whoami",
  health: "/auth/health",
  backchannelLogout: "/auth/backchannel-logout",
  frontchannelLogout: "/auth/frontchannel-logout",
  /** The public keys that verify `X-Auth-Assertion` (docs/assertion.md). */
  jwks: "/auth/jwks.json",
  /** Records a revocation in the fence (POST, REVOCATION_ADMIN_TOKEN; `npm run revoke` calls it). */
  revoke: "/auth/revoke",
} as const;

/** The algorithms edge-auth can verify at all; the allow-list must be a subset. Never `none`, never HMAC. */
export const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set(DEFAULTS.allowedAlgorithms);
