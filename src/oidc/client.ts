import * as oauth from "oauth4webapi";
import type { GateConfig } from "../config/config.ts";
import type { ClaimName, FailureReason } from "../failure.ts";
import { isLoopbackHost } from "../http/secure-url.ts";
import type { DiscoveryDocument } from "../jwks/discovery.ts";
import type { Platform } from "../platform.ts";

/** What oauth4webapi needs to talk to the provider's token endpoint for this worker. */
export interface OidcClient {
  readonly as: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly auth: oauth.ClientAuth;
  readonly http: oauth.TokenEndpointRequestOptions;
}

/**
 * The provider and this client as oauth4webapi sees them: the discovered endpoints, the client's
 * authentication (secret, or none for a public client with PKCE), every request through the platform's
 * fetch with a timeout, and the platform's clock for its claim checks (via `clockSkew`, so a test's
 * frozen clock holds there too). Plain http is allowed only for a loopback issuer (local development).
 */
export function oidcClient(config: GateConfig, discovery: DiscoveryDocument, platform: Platform): OidcClient {
  const as: oauth.AuthorizationServer = {
    issuer: discovery.issuer,
    jwks_uri: discovery.jwks_uri,
    id_token_signing_alg_values_supported: [...config.allowedAlgorithms],
    ...(discovery.authorization_endpoint ? { authorization_endpoint: discovery.authorization_endpoint } : {}),
    ...(discovery.token_endpoint ? { token_endpoint: discovery.token_endpoint } : {}),
    ...(discovery.end_session_endpoint ? { end_session_endpoint: discovery.end_session_endpoint } : {}),
    ...(discovery.authorization_response_iss_parameter_supported
      ? { authorization_response_iss_parameter_supported: true }
      : {}),
  };
  const client: oauth.Client = {
    client_id: config.clientId,
    [oauth.clockSkew]: platform.now() / 1000 - Date.now() / 1000,
    [oauth.clockTolerance]: config.clockLeewaySeconds,
  };
  const { clientSecret, tokenAuthMethod } = config.login;
  const auth =
    clientSecret === undefined
      ? oauth.None()
      : tokenAuthMethod === "client_secret_post"
        ? oauth.ClientSecretPost(clientSecret)
        : oauth.ClientSecretBasic(clientSecret);
  const issuerUrl = new URL(config.issuer);
  const http: oauth.TokenEndpointRequestOptions = {
    [oauth.customFetch]: (url, init) => platform.fetch(new Request(url, init as RequestInit)),
    signal: () => AbortSignal.timeout(config.keyCache.fetchTimeoutMs),
    ...(issuerUrl.protocol === "http:" && isLoopbackHost(issuerUrl.hostname)
      ? { [oauth.allowInsecureRequests]: true }
      : {}),
  };
  return { as, client, auth, http };
}

export interface OAuthProblem {
  /** The provider could not be reached or failed (5xx, timeout): try later, nothing is wrong with the user. */
  readonly transient: boolean;
  readonly reason: FailureReason;
  /** For the log: error codes only, never a token or the provider's free text. */
  readonly detail: string;
}

const CLAIMS: ReadonlySet<string> = new Set([
  "iss",
  "sub",
  "aud",
  "azp",
  "exp",
  "iat",
  "nbf",
  "nonce",
  "auth_time",
]);

/** The one place oauth4webapi's errors become reasons, by their stable codes. */
export function describeOAuthError(error: unknown, fallback: FailureReason): OAuthProblem {
  if (error instanceof oauth.ResponseBodyError) {
    return {
      transient: error.status >= 500,
      reason: error.status >= 500 ? "token_endpoint_unavailable" : fallback,
      detail: `token endpoint answered ${error.status} ${error.error}`,
    };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError)
    return {
      transient: false,
      reason: fallback,
      detail: `token endpoint answered ${error.status} with a challenge`,
    };
  if (error instanceof oauth.OperationProcessingError) {
    if (error.code === oauth.RESPONSE_IS_NOT_CONFORM && error.cause instanceof Response) {
      const status = error.cause.status;
      return {
        transient: status >= 500,
        reason: status >= 500 ? "token_endpoint_unavailable" : fallback,
        detail: `token endpoint answered ${status}`,
      };
    }
    const claim = (error.cause as { claim?: unknown } | undefined)?.claim;
    if (error.code === oauth.JWT_CLAIM_COMPARISON && typeof claim === "string" && CLAIMS.has(claim))
      return { transient: false, reason: `claim_mismatch:${claim as ClaimName}`, detail: error.code };
    if (error.code === oauth.JWT_TIMESTAMP_CHECK) {
      const reason: FailureReason =
        claim === "exp" ? "expired" : claim === "nbf" ? "not_yet_valid" : "claim_invalid:auth_time";
      return { transient: false, reason, detail: error.code };
    }
    return { transient: false, reason: "token_response_invalid", detail: error.code ?? "invalid response" };
  }
  if (error instanceof oauth.UnsupportedOperationError)
    return { transient: false, reason: "token_response_invalid", detail: "unsupported response" };
  // Anything else came from fetch: network failure or timeout.
  return {
    transient: true,
    reason: "token_endpoint_unavailable",
    detail: `network error: ${error instanceof Error ? error.name : "unknown"}`,
  };
}
