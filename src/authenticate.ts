import { unauthenticated } from "./failure.ts";
import { readBearer } from "./http/bearer.ts";
import { type CookieScheme, parseCookies } from "./http/cookies.ts";
import type { VerifiedIdentity } from "./identity.ts";
import type { IsolateState } from "./isolate-state.ts";
import type { KeyTier } from "./jwks/key-cache.ts";
import { type KeySource, type VerifyFailure, verifyIdToken } from "./jwt/verify-id-token.ts";
import type { Runtime } from "./platform.ts";
import { fail, ok, type Result } from "./result.ts";
import { authenticateSession, type SessionIdentity } from "./session/authenticate-session.ts";

/** Who made a request, and with which credential. */
export type Authenticated =
  | {
      readonly via: "bearer";
      readonly identity: VerifiedIdentity;
      readonly token: string;
      readonly kid: string | undefined;
      readonly tier: KeyTier;
    }
  | ({ readonly via: "session" } & SessionIdentity);

export interface AuthFailure {
  readonly failure: VerifyFailure;
  readonly credentialSent: boolean;
  /** The session cookie names no usable session: the response should make the browser forget it. */
  readonly forgetSessionCookie: boolean;
}

/**
 * Finds and checks the request's credential: an `Authorization: Bearer` ID token first (an explicit
 * credential wins), else the session cookie when sign-in is enabled. Bearer tokens are verified with
 * `keys` (the isolate's key cache, or a wrapper that times it and leaves out revoked keys).
 */
export async function authenticate(
  request: Request,
  rt: Runtime,
  state: IsolateState,
  scheme: CookieScheme,
  keys: KeySource = state.keys,
): Promise<Result<Authenticated, AuthFailure>> {
  const credential = readBearer(request.headers);
  if (credential.kind === "malformed")
    return refuse({ kind: "bad_request", reason: "invalid_authorization_header" }, true);
  if (credential.kind === "bearer") {
    const verified = await verifyIdToken(credential.token, state.config, keys, rt, {}, state.verifiedTokens);
    if (!verified.ok) return refuse(verified.failure, true);
    return ok({ via: "bearer", token: credential.token, ...verified.value });
  }

  const cookie = state.secrets ? parseCookies(request.headers.get("cookie")).get(scheme.session) : undefined;
  if (cookie === undefined || cookie === "") return refuse(unauthenticated("no_credential"), false);
  const session = await authenticateSession(cookie, rt, state);
  if (!session.ok) return refuse(session.failure.failure, true, session.failure.forgetCookie);
  return ok({ via: "session", ...session.value });
}

function refuse(
  failure: VerifyFailure,
  credentialSent: boolean,
  forgetSessionCookie = false,
): { ok: false; failure: AuthFailure } {
  return fail({ failure, credentialSent, forgetSessionCookie });
}
