import { AssertionSigner } from "./assertion/assertion-signer.ts";
import type { GateConfig, IssuerPolicy } from "./config/config.ts";
import { DEFAULTS } from "./config/defaults.ts";
import { SecretKeys } from "./crypto/secret-keys.ts";
import { DpopNonces } from "./dpop/nonce.ts";
import { type ReservedHeaderNames, reservedHeaderNames } from "./forward/identity-headers.ts";
import { ConfigFingerprint } from "./health/config-fingerprint.ts";
import { KeyCache } from "./jwks/key-cache.ts";
import { VerifiedTokenCache } from "./jwt/verified-token-cache.ts";
import { ReplaySuspicion } from "./observe/replay-suspicion.ts";
import { UsedLogoutTokens } from "./oidc/used-logout-tokens.ts";
import { UsedStates } from "./oidc/used-states.ts";
import { HostRoutes } from "./policy/host-routes.ts";
import { RevocationCache } from "./revocation/revocation-cache.ts";
import type { VerifiedCookies } from "./session/session-id.ts";
import { SessionStore } from "./session/session-store.ts";

/** What an isolate keeps between requests for one configuration: values only, never promises. */
export interface IsolateState {
  readonly config: GateConfig;
  /** The route rules per request host, each host's table built once (match-route.ts). */
  readonly routes: HostRoutes;
  /** The header names a client may not send (identity-headers.ts), folded once. */
  readonly reservedHeaders: ReservedHeaderNames;
  /** The configuration's fingerprint for the health document, worked out on first use. */
  readonly fingerprint: ConfigFingerprint;
  /** The sign-in issuer's keys (and discovery document: sign-in, refresh, sign-out use it). */
  readonly keys: KeyCache;
  /** Every issuer's keys by its name, the sign-in issuer's (`keys`) under "login": one cache each. */
  readonly issuerKeys: ReadonlyMap<string, KeyCache>;
  /** Every issuer by its exact `iss` (what `/auth/whoami` accepts). */
  readonly allIssuers: ReadonlyMap<string, IssuerPolicy>;
  readonly revocations: RevocationCache;
  /** Bearer tokens verified before, so a repeated token costs a lookup (see verified-token-cache.ts). */
  readonly verifiedTokens: VerifiedTokenCache;
  readonly sessions: SessionStore;
  readonly usedStates: UsedStates;
  /** Logout tokens seen before, by `jti` (Back-Channel Logout 1.0 §2.6). */
  readonly usedLogoutTokens: UsedLogoutTokens;
  /** Keys derived from SESSION_SECRET; absent when sign-in is not enabled. */
  readonly secrets: SecretKeys | undefined;
  /** Session cookie values whose HMAC under `secrets` verified, to their handle (session-id.ts). */
  readonly verifiedCookies: VerifiedCookies;
  /** Signs `X-Auth-Assertion`; absent when ASSERTION_SIGNING_KEY is not set. */
  readonly assertions: AssertionSigner | undefined;
  /** Client networks per credential, for `token_replay_suspected` (this isolate's view only). */
  readonly replaySuspicion: ReplaySuspicion;
  /** DPoP server nonces (DPOP_NONCE = "required"); absent when proofs need none. */
  readonly dpopNonces: DpopNonces | undefined;
}

export function createIsolateState(config: GateConfig): IsolateState {
  const keys = new KeyCache(config);
  const issuerKeys = new Map<string, KeyCache>([[keys.name, keys]]);
  for (const issuer of config.issuers.slice(1)) {
    const options = { name: issuer.name, ...(issuer.jwksUri ? { jwksUri: issuer.jwksUri } : {}) };
    issuerKeys.set(issuer.name, new KeyCache({ issuer: issuer.issuer, keyCache: config.keyCache }, options));
  }
  return {
    config,
    routes: new HostRoutes(config.routes, config.defaultRoute),
    reservedHeaders: reservedHeaderNames(config),
    fingerprint: new ConfigFingerprint(config),
    keys,
    issuerKeys,
    allIssuers: new Map(config.issuers.map((issuer) => [issuer.issuer, issuer])),
    revocations: new RevocationCache(config),
    verifiedTokens: new VerifiedTokenCache({
      maxEntries: DEFAULTS.verifiedTokenCacheMaxEntries,
      maxBytes: DEFAULTS.verifiedTokenCacheMaxBytes,
    }),
    sessions: new SessionStore(config.session, config.unavailableRetryAfterSeconds, config.kvTimeoutMs),
    usedStates: new UsedStates(config.kvTimeoutMs),
    usedLogoutTokens: new UsedLogoutTokens(config.kvTimeoutMs),
    secrets: config.session.secret === undefined ? undefined : new SecretKeys(config.session.secret),
    verifiedCookies: new Map(),
    assertions:
      config.assertion === undefined
        ? undefined
        : new AssertionSigner(config.assertion, {
            maxEntries: DEFAULTS.assertionReuseMaxEntries,
            maxBytes: DEFAULTS.assertionReuseMaxBytes,
          }),
    replaySuspicion: new ReplaySuspicion({
      threshold: config.replayNetworkThreshold,
      maxCredentials: DEFAULTS.replaySuspicionMaxCredentials,
    }),
    dpopNonces: config.dpopNonce === undefined ? undefined : new DpopNonces(config.dpopNonce),
  };
}
