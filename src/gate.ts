import {
  type Authenticated,
  authenticateRequest,
  identityFields,
  keyFields,
  type Refusal,
  refusalFields,
} from "./authenticate.ts";
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
import { judgeStepUp } from "./policy/step-up.ts";
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

  const authenticated = await authenticateRequest(request, rt, state, scheme, decision);
  if (!authenticated.ok) {
    const refusal = authenticated.failure;
    return refuse(
      refusal,
      respondToFailure(refusal.failure, {
        realm: config.realm,
        credentialSent: refusal.credentialSent,
        presentation: unauthenticatedPresentation(request, route.unauthenticated),
        ...(config.loginEnabled ? { loginUrl: loginUrlFor(`${url.pathname}${url.search}`) } : {}),
      }),
    );
  }

  const auth = authenticated.value;
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

  // Routes with require_acr / require_amr / max_age: a few property reads of the verified claims.
  const stepUp = judgeStepUp(route.stepUp, identity.claims, rt.now() / 1000, config.clockLeewaySeconds);
  if (!stepUp.satisfied) {
    const { shortfall } = stepUp;
    const failure = {
      kind: "step_up",
      reason: "step_up_required",
      detail: shortfall.detail,
      stepUp: shortfall,
    } as const;
    const presentation =
      auth.via === "session" ? unauthenticatedPresentation(request, route.unauthenticated) : "api";
    // No request parameter asks for an amr: a fresh authentication is the provider's chance to add one.
    const reauthenticate = shortfall.tooOld || shortfall.amrUnmet;
    const response = respondToFailure(failure, {
      realm: config.realm,
      credentialSent: true,
      presentation,
      loginUrl: loginUrlFor(`${url.pathname}${url.search}`, { routeIndex: route.index, reauthenticate }),
    });
    return refuse(
      { failure: { ...failure, ...kidAndTier }, credentialSent: true, forgetSessionCookie: false, who: auth },
      response,
    );
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
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
