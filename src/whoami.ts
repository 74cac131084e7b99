import { authenticate } from "./authenticate.ts";
import { cookieScheme, expireCookie } from "./http/cookies.ts";
import type { IsolateState } from "./isolate-state.ts";
import type { Runtime } from "./platform.ts";
import { NO_STORE, respondToFailure } from "./respond/failure-response.ts";
import { sessionDeadline } from "./session/session-record.ts";

/**
 * GET /auth/whoami: the caller's identity as JSON (from the session cookie or a bearer ID token), or
 * 401. `expiresAt` (seconds) is when the credential stops working unless renewed: the token's `exp`
 * for a bearer token, the session's absolute or idle limit for a session.
 */
export async function whoami(request: Request, rt: Runtime, state: IsolateState): Promise<Response> {
  const { config } = state;
  const scheme = cookieScheme(new URL(request.url), config.session.cookieName);
  const authenticated = await authenticate(request, rt, state, scheme);
  if (!authenticated.ok) {
    const refusal = authenticated.failure;
    const response = respondToFailure(refusal.failure, {
      realm: config.realm,
      credentialSent: refusal.credentialSent,
      presentation: "api",
    });
    if (refusal.forgetSessionCookie)
      response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
    return response;
  }
  const auth = authenticated.value;
  const { identity } = auth;
  const body = {
    sub: identity.sub,
    email: identity.email ?? null,
    name: identity.name ?? null,
    groups: identity.groups,
    issuer: identity.issuer,
    expiresAt: auth.via === "session" ? sessionDeadline(auth.record, config.session) : identity.expiresAt,
    via: auth.via,
  };
  return new Response(JSON.stringify(body), {
    headers: { "cache-control": NO_STORE, "content-type": "application/json; charset=utf-8" },
  });
}
