import { authenticateRequest, identityFields, refusalFields } from "./authenticate.ts";
import { AUTH_PATHS } from "./config/defaults.ts";
import { wantsDpopChallenge } from "./dpop/challenge.ts";
import { offerNextNonce } from "./dpop/sender-constraint.ts";
import { cookieScheme, expireCookie } from "./http/cookies.ts";
import type { IsolateState } from "./isolate-state.ts";
import { beginDecision } from "./observe/decision-recorder.ts";
import type { Runtime } from "./platform.ts";
import { respondToFailure } from "./respond/failure-response.ts";
import { NO_STORE } from "./respond/no-store.ts";
import { sessionDeadline } from "./session/session-record.ts";

/**
 * GET /auth/whoami: the caller's identity as JSON (from the session cookie or a bearer ID token), or
 * 401. The credential is judged exactly as the gate judges it (revocations included), and the request
 * is one recorded decision (`answered` or `refused`). `expiresAt` (seconds) is when the credential
 * stops working unless renewed: the token's `exp` for a bearer token, the session's absolute or idle
 * limit for a session.
 */
export async function whoami(request: Request, rt: Runtime, state: IsolateState): Promise<Response> {
  const { config } = state;
  const decision = beginDecision(request, rt, config.observe, AUTH_PATHS.whoami);
  const scheme = cookieScheme(new URL(request.url), config.session.cookieName);
  // Every configured issuer: whoami shows who a credential names, whichever issuer vouched for it.
  const authenticated = await authenticateRequest(request, rt, state, scheme, decision, state.allIssuers);
  decision.decided();
  if (!authenticated.ok) {
    const { failure, credentialSent, forgetSessionCookie } = authenticated.failure;
    const dpop = wantsDpopChallenge(request, false, failure.reason)
      ? { dpop: { algs: config.allowedAlgorithms } }
      : {};
    const response = respondToFailure(failure, {
      realm: config.realm,
      credentialSent,
      presentation: "api",
      ...dpop,
    });
    if (forgetSessionCookie)
      response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
    return decision.finish(response, refusalFields(authenticated.failure, request, config.issuer));
  }
  const auth = authenticated.value;
  const { identity } = auth;
  const body = {
    sub: identity.sub,
    email: identity.email ?? null,
    name: identity.name ?? null,
    groups: identity.groups,
    issuer: identity.issuer,
    issuerName: identity.issuerName,
    tokenType: identity.tokenType,
    expiresAt: auth.via === "session" ? sessionDeadline(auth.record, config.session) : identity.expiresAt,
    via: auth.via,
  };
  const response = new Response(JSON.stringify(body), {
    headers: { "cache-control": NO_STORE, "content-type": "application/json; charset=utf-8" },
  });
  if (auth.via === "bearer") offerNextNonce(response, auth.dpop);
  return decision.finish(response, {
    outcome: "answered",
    credential: auth.via,
    issuer: identity.issuer,
    ...identityFields(identity),
  });
}
