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
  realm: "edge-auth",
  jwksMinMaxAgeSeconds: 5 * 60,
  jwksMaxMaxAgeSeconds: 24 * 60 * 60,
  jwksMaxStaleSeconds: 6 * 60 * 60,
  jwksFetchTimeoutMs: 4000,
  jwksMaxResponseBytes: 512 * 1024,
  unknownKidCooldownSeconds: 30,
  unavailableRetryAfterSeconds: 30,
} as const;

/** The algorithms edge-auth can verify at all; the allow-list must be a subset. Never `none`, never HMAC. */
export const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set(DEFAULTS.allowedAlgorithms);
