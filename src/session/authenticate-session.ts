import { type Failure, unauthenticated } from "../failure.ts";
import { sealVerifiedIdentity, type VerifiedIdentity } from "../identity.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { refreshSession } from "./refresh.ts";
import { readSessionCookie, type SessionHandle } from "./session-id.ts";
import {
  judgeSession,
  type SessionRecord,
  sessionIssuedFor,
  sessionMadeOn,
  sessionVerifiedClaims,
} from "./session-record.ts";

export interface SessionIdentity {
  readonly identity: VerifiedIdentity;
  readonly record: SessionRecord;
  readonly handle: SessionHandle;
}

export interface SessionFailure {
  readonly failure: Failure;
  /** Whether the browser should forget its session cookie (it names no usable session). */
  readonly forgetCookie: boolean;
}

/**
 * The identity a session cookie stands for, on the request's `origin`. Refuses a forged or altered
 * cookie without touching KV, an unknown session, one made on another origin (another host of this
 * deployment) or for another issuer or client, an ended session (absolute or idle
 * limit), and an expired identity that cannot be renewed. An expired identity with a refresh token is
 * renewed here, by one request at a time in this isolate; requests that arrive meanwhile are served
 * with the session as it is, for that short while.
 */
export async function authenticateSession(
  cookieValue: string,
  origin: string,
  rt: Runtime,
  state: IsolateState,
): Promise<Result<SessionIdentity, SessionFailure>> {
  const { config, secrets, sessions } = state;
  const handle = secrets ? await readSessionCookie(cookieValue, secrets, state.verifiedCookies) : undefined;
  if (!handle) return refuse(unauthenticated("session_malformed"), true);

  const loaded = await sessions.load(rt, handle);
  if (!loaded.ok) return refuse(loaded.failure, false);
  let record = loaded.value;
  if (!record) return refuse(unauthenticated("session_unknown"), true);
  if (!sessionMadeOn(record, origin))
    return refuse(unauthenticated("session_unknown", "made on another site"), true);
  if (!sessionIssuedFor(record, config.issuer, config.clientId))
    return refuse(unauthenticated("session_unknown", "made for another issuer or client"), true);

  const verdict = judgeSession(record, config.session, rt.now() / 1000);
  if (verdict.state === "ended") {
    rt.waitUntil(sessions.remove(rt, handle));
    return refuse(unauthenticated(verdict.reason), true);
  }
  if (verdict.state === "needs_refresh") {
    const timeoutMs = config.keyCache.fetchTimeoutMs * 2;
    if (sessions.beginRefresh(handle, rt.now(), timeoutMs)) {
      try {
        const renewed = await refreshSession(rt, state, handle, record);
        if (!renewed.ok) {
          if (renewed.failure.kind === "unavailable") return refuse(renewed.failure, false);
          await sessions.remove(rt, handle);
          return refuse(renewed.failure, true);
        }
        record = renewed.value;
      } finally {
        sessions.endRefresh(handle);
      }
    }
  } else if (verdict.touch) {
    record = sessions.touch(rt, handle, record);
  }
  return ok({
    identity: sealVerifiedIdentity(sessionVerifiedClaims(record), config.groupsClaim),
    record,
    handle,
  });
}

function refuse(failure: Failure, forgetCookie: boolean): { ok: false; failure: SessionFailure } {
  return fail({ failure, forgetCookie });
}
