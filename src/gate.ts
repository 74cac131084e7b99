import {
  type Authenticated,
  authenticateRequest,
  identityFields,
  keyFields,
  type Refusal,
  refusalFields,
} from "./authenticate.ts";
import { wantsDpopChallenge } from "./dpop/challenge.ts";
import { unauthenticated } from "./failure.ts";
import { setForwardedHeaders } from "./forward/forwarded-headers.ts";
import { injectIdentityHeaders, stripIdentityHeaders } from "./forward/identity-headers.ts";
import { chooseOrigin, forwardToOrigin, keepPrivate } from "./forward/origin.ts";
import { stripRoutingHeaders } from "./forward/routing-headers.ts";
import { cookieScheme, expireCookie, stripOwnCookies } from "./http/cookies.ts";
import { classifyRequest, unauthenticatedPresentation } from "./http/request-kind.ts";
import type { IsolateState } from "./isolate-state.ts";
import { beginDecision } from "./observe/decision-recorder.ts";
import { loginUrlFor } from "./oidc/login-url.ts";
import { signOutFormOrigins } from "./oidc/logout.ts";
import type { Runtime } from "./platform.ts";
import { judgeAccess } from "./policy/admit.ts";
import { matchRoute } from "./policy/match-route.ts";
import { respondToFailure } from "./respond/failure-response.ts";

export type { IsolateState } from "./isolate-state.ts";

/**
 * The request path for every request that is not one of edge-auth's own endpoints: match the route,
 * strip spoofed identity headers, client-sent routing headers (routing-headers.ts) and edge-auth's own
 * cookies, and either forward (public route, or a
 * verified, unrevoked and admitted identity from a bearer ID token or a session) or answer at the
 * edge. Nothing reaches the origin without a verified identity unless its route is public. Every
 * request ends in exactly one recorded decision (docs/operations.md).
 */
export async function gateRequest(
  request: Request,
  url: URL,
  env: Readonly<Record<string, unknown>>,
  rt: Runtime,
  state: IsolateState,
): Promise<Response> {
  const { config } = state;
  const route = matchRoute(config, url.pathname);
  const routeName = route.index === -1 ? "(default)" : `${route.index}:${route.pattern}`;
  const decision = beginDecision(request, rt, config.observe, routeName);
  const scheme = cookieScheme(url, config.session.cookieName);
  const headers = new Headers(request.headers);
  stripIdentityHeaders(headers, config);
  stripRoutingHeaders(headers);
  if (config.forwardedHeaders === "set") setForwardedHeaders(headers, request, url);
  stripOwnCookies(headers, config.session.cookieName);
  const origin = chooseOrigin(config, env);

  if (route.access === "public") {
    decision.decided();
    const answer = await forwardToOrigin(request, url, headers, origin, rt, { identified: false });
    return decision.finish(answer.response, {
      outcome: answer.ok ? "public" : "error",
      credential: "none",
      ...(answer.ok ? {} : { reason: "origin_unreachable", detail: answer.problem }),
    });
  }

  const refuse = (refusal: Refusal, response: Response): Response => {
    decision.decided();
    if (refusal.forgetSessionCookie)
      response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
    return decision.finish(response, refusalFields(refusal, request, config.issuer));
  };

  // A route that requires DPoP is for API clients: a browser's sign-in could never satisfy it.
  const dpopOnly = route.requireDpop;
  const dpopChallenge = (refusal: Refusal) =>
    wantsDpopChallenge(request, dpopOnly, refusal.failure.reason)
      ? { dpop: { algs: config.allowedAlgorithms } }
      : {};
  const authenticated = await authenticateRequest(request, rt, state, scheme, decision);
  if (!authenticated.ok) {
    const refusal = authenticated.failure;
    return refuse(
      refusal,
      respondToFailure(refusal.failure, {
        realm: config.realm,
        credentialSent: refusal.credentialSent,
        presentation: dpopOnly ? "api" : unauthenticatedPresentation(request, route.unauthenticated),
        ...(config.loginEnabled && !dpopOnly
          ? { loginUrl: loginUrlFor(`${url.pathname}${url.search}`) }
          : {}),
        ...dpopChallenge(refusal),
      }),
    );
  }

  const auth = authenticated.value;
  // RFC 9449 §7: on a `require_dpop` route only a DPoP-bound token with its proof counts.
  if (dpopOnly && (auth.via !== "bearer" || auth.dpop === undefined)) {
    const refusal: Refusal = {
      failure: { ...unauthenticated("dpop_required", `a ${auth.via} credential`), ...keyFields(auth) },
      credentialSent: true,
      forgetSessionCookie: false,
      who: auth,
    };
    const context = { realm: config.realm, credentialSent: true, presentation: "api" as const };
    return refuse(refusal, respondToFailure(refusal.failure, { ...context, ...dpopChallenge(refusal) }));
  }
  const { identity } = auth;
  const kidAndTier = keyFields(auth);

  const access = judgeAccess(route, identity, config);
  if (!access.admitted) {
    const forbidden = access.failure;
    const page = auth.via === "session" && classifyRequest(request) === "navigation";
    const response = respondToFailure(forbidden, {
      realm: config.realm,
      credentialSent: true,
      presentation: page ? "page" : "api",
      identity,
      ...(page ? { formActionOrigins: await signOutFormOrigins(rt, state) } : {}),
    });
    const refusal = {
      failure: { ...forbidden, ...kidAndTier },
      credentialSent: true,
      forgetSessionCookie: false,
      who: auth,
    };
    return refuse(refusal, response);
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
  headers.delete("dpop");
  injectIdentityHeaders(headers, identity, config, forwardedToken(auth));
  decision.decided();
  const answer = await forwardToOrigin(request, url, headers, origin, rt, { identified: true });
  return decision.finish(keepPrivate(answer.response), {
    outcome: answer.ok ? "forwarded" : "error",
    ...(answer.ok ? {} : { reason: "origin_unreachable", detail: answer.problem }),
    credential: auth.via,
    issuer: identity.issuer,
    ...kidAndTier,
    ...identityFields(identity),
  });
}

function forwardedToken(auth: Authenticated): string {
  return auth.via === "bearer" ? auth.token : auth.record.idToken;
}
