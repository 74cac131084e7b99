import type { Authenticated } from "../authenticate.ts";
import { LOGIN_ISSUER_NAME } from "../config/schema-issuers.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { findRevocation, isSignedOut, revocationSubject } from "../revocation/check-revocation.ts";
import { authenticateSession } from "../session/authenticate-session.ts";

/** Why a credential admitted earlier no longer stands: the close reason its connection gets. */
export type EndedStanding = "signed out" | "revoked" | "expired";

/** Whether the credential behind a long-lived connection still stands, checked again. */
export type StandingCheck = () => Promise<EndedStanding | undefined>;

/** Session failures that mean the session ended by time rather than by a sign-out. */
const EXPIRED_SESSION_REASONS = new Set(["session_expired", "session_idle", "session_identity_expired"]);

/**
 * The checks the gate made when it admitted `auth`, made again for a connection that outlives its
 * request: the identity's expiry (a bearer token's `exp`; a session's absolute and idle limits and its
 * renewable identity, through the session store), the operator's revocations, and the sign-outs seen
 * by the revocation fence and KV (for the sign-in issuer's credentials, as at the gate). A store or fence that cannot be asked right now is not an ending:
 * the next check asks again.
 */
export function credentialStanding(
  auth: Authenticated,
  sessionCookie: string | undefined,
  siteOrigin: string,
  rt: Runtime,
  state: IsolateState,
): StandingCheck {
  return async () => {
    const nowSeconds = rt.now() / 1000;
    let identity = auth.identity;
    let token = auth.via === "bearer" ? auth.token : auth.record.idToken;
    if (auth.via === "bearer") {
      if (identity.expiresAt + state.config.clockLeewaySeconds <= nowSeconds) return "expired";
    } else if (sessionCookie !== undefined) {
      const session = await authenticateSession(sessionCookie, siteOrigin, rt, state);
      if (!session.ok) {
        const { reason } = session.failure.failure;
        if (reason === "session_store_unavailable") return undefined;
        return EXPIRED_SESSION_REASONS.has(reason) ? "expired" : "signed out";
      }
      identity = session.value.identity;
      token = session.value.record.idToken;
    }
    // As at the gate: the revocations and sign-outs are the sign-in issuer's; other issuers' tokens expire.
    if (identity.issuerName !== LOGIN_ISSUER_NAME) return undefined;
    const revocations = await state.revocations.current(rt);
    if (findRevocation(revocations, revocationSubject(identity), nowSeconds)) return "revoked";
    if (
      revocations.signedOut.size > 0 &&
      isSignedOut(revocations, await state.verifiedTokens.fingerprintOf(token), nowSeconds)
    )
      return "signed out";
    return undefined;
  };
}
