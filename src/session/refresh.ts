import * as oauth from "oauth4webapi";
import { DEFAULTS } from "../config/defaults.ts";
import { type Failure, unauthenticated, unavailable } from "../failure.ts";
import type { IsolateState } from "../isolate-state.ts";
import { verifyIdToken } from "../jwt/verify-id-token.ts";
import { describeOAuthError, oidcClient } from "../oidc/client.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { withoutRevokedKeys } from "../revocation/check-revocation.ts";
import type { SessionHandle } from "./session-id.ts";
import { indexSession } from "./session-index.ts";
import { keptClaims, type SessionRecord } from "./session-record.ts";

/**
 * Renews a session whose identity has expired with its refresh token (OIDC Core §12). A new ID token,
 * when the provider sends one, is verified like any other and must name the same subject (§12.2);
 * without one, the identity is extended by the access token's lifetime. A refresh token the provider
 * rotates replaces the old one. A provider that cannot be reached answers `unavailable` and keeps the
 * session; a refused refresh ends it — unless another isolate has renewed it in the meantime.
 */
export async function refreshSession(
  rt: Runtime,
  state: IsolateState,
  handle: SessionHandle,
  record: SessionRecord,
): Promise<Result<SessionRecord, Failure>> {
  const { config, secrets } = state;
  const sealed = record.refreshToken;
  if (!secrets || sealed === undefined) return fail(unauthenticated("refresh_failed", "no refresh token"));
  // Sealed for this session's key only: a record copied to another key cannot be opened.
  const refreshToken = await secrets.open("refresh-token", sealed, handle.kvKey);
  if (refreshToken === undefined)
    return fail(unauthenticated("refresh_failed", "refresh token cannot be opened"));

  const discovery = await state.keys.discovery(rt);
  if (!discovery.ok) return discovery;
  if (!discovery.value.token_endpoint)
    return fail(unauthenticated("refresh_failed", "the provider has no token_endpoint"));
  const oidc = oidcClient(config, discovery.value, rt);

  let tokens: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.refreshTokenGrantRequest(
      oidc.as,
      oidc.client,
      oidc.auth,
      refreshToken,
      oidc.http,
    );
    tokens = await oauth.processRefreshTokenResponse(oidc.as, oidc.client, response);
  } catch (error) {
    const problem = describeOAuthError(error, "refresh_failed");
    if (problem.transient)
      return fail(unavailable(problem.reason, config.unavailableRetryAfterSeconds, problem.detail));
    const renewedElsewhere = await renewedMeanwhile(rt, state, handle, record);
    return renewedElsewhere ? ok(renewedElsewhere) : fail(unauthenticated("refresh_failed", problem.detail));
  }

  const nowSeconds = Math.floor(rt.now() / 1000);
  let claims = record.claims;
  let identityExpiresAt: number;
  if (tokens.id_token !== undefined) {
    // A key revoked since sign-in does not renew a session either.
    const revocations = await state.revocations.current(rt);
    const keys = withoutRevokedKeys(state.keys, revocations, rt.now() / 1000);
    const verified = await verifyIdToken(tokens.id_token, config, keys, rt);
    if (!verified.ok)
      return verified.failure.kind === "unavailable"
        ? verified
        : fail(unauthenticated("refresh_failed", `new ID token refused: ${verified.failure.reason}`));
    if (verified.value.identity.sub !== record.claims.sub)
      return fail(unauthenticated("refresh_failed", "new ID token names another subject"));
    claims = keptClaims(verified.value.identity.claims);
    identityExpiresAt = verified.value.identity.expiresAt;
  } else {
    identityExpiresAt = nowSeconds + (tokens.expires_in ?? DEFAULTS.refreshedIdentityFallbackSeconds);
  }

  const renewed: SessionRecord = {
    ...record,
    claims,
    identityExpiresAt: Math.min(identityExpiresAt, record.absoluteExpiresAt),
    idToken: tokens.id_token ?? record.idToken,
    refreshToken:
      tokens.refresh_token === undefined
        ? sealed
        : await secrets.seal("refresh-token", tokens.refresh_token, handle.kvKey, rt),
    refreshedAt: nowSeconds,
    lastSeenAt: nowSeconds,
  };
  const saved = await state.sessions.save(rt, handle, renewed);
  if (!saved.ok) return saved;
  // A new ID token may carry another sid: the provider's logout requests must still find the session.
  rt.waitUntil(
    indexSession(rt, handle, renewed, config.kvTimeoutMs).then((indexed) => {
      if (!indexed.ok) rt.log({ event: "session_index_failed", problem: indexed.failure });
    }),
  );
  rt.log({ event: "session_refreshed", issuer: config.issuer, idToken: tokens.id_token !== undefined });
  return ok(renewed);
}

/** A record another isolate renewed after this one read it (its refresh token then is the live one). */
async function renewedMeanwhile(
  rt: Runtime,
  state: IsolateState,
  handle: SessionHandle,
  stale: SessionRecord,
): Promise<SessionRecord | undefined> {
  const reread = await state.sessions.load(rt, handle, { fresh: true });
  if (!reread.ok || !reread.value) return undefined;
  const latest = reread.value;
  const newer = (latest.refreshedAt ?? 0) > (stale.refreshedAt ?? 0);
  return newer && latest.identityExpiresAt > rt.now() / 1000 ? latest : undefined;
}
