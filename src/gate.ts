import { attachAssertion } from "./assertion/attach-assertion.ts";
import {
  type Authenticated,
  acceptsSessions,
  authenticateRequest,
  keyFields,
  type Refusal,
  refusalFields,
} from "./authenticate.ts";
import { wantsDpopChallenge } from "./dpop/challenge.ts";
import { offerNextNonce } from "./dpop/sender-constraint.ts";
import { type Failure, unauthenticated } from "./failure.ts";
import { stripClientHeaders } from "./forward/client-headers.ts";
import { credentialStanding } from "./forward/credential-standing.ts";
import { setForwardedHeaders } from "./forward/forwarded-headers.ts";
import { injectIdentityHeaders } from "./forward/identity-headers.ts";
import {
  chooseOrigin,
  forwardToOrigin,
  keepPrivate,
  type OriginAnswer,
  outgoingRequest,
} from "./forward/origin.ts";
import { isWebSocketUpgrade, relayWebSocket } from "./forward/websocket.ts";
import { cookieScheme, expireCookie, parseCookies, stripOwnCookies } from "./http/cookies.ts";
import { classifyRequest, unauthenticatedPresentation } from "./http/request-kind.ts";
import type { IsolateState } from "./isolate-state.ts";
import { checkReplay } from "./observe/check-replay.ts";
import type { CredentialKind } from "./observe/decision.ts";
import { beginDecision, type DecisionFields, type DecisionRecorder } from "./observe/decision-recorder.ts";
import { loginUrlFor } from "./oidc/login-url.ts";
import { signOutFormOrigins } from "./oidc/logout.ts";
import type { Runtime } from "./platform.ts";
import { judgeAccess } from "./policy/admit.ts";
import { matchRoute, routeName } from "./policy/match-route.ts";
import { checkRequiredScopes } from "./policy/scopes.ts";
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
  const match = matchRoute(state.routes, url.hostname, url.pathname);
  const decision = beginDecision(request, rt, config.observe, match.ok ? routeName(match.value) : AMBIGUOUS);
  const scheme = cookieScheme(url, config.session.cookieName);
  if (!match.ok) return refuseAmbiguousPath(request, match.failure, config.realm, scheme.session, decision);
  const route = match.value;
  const origin = chooseOrigin(config, env);
  const outgoing = outgoingRequest(request, url, origin, { identified: route.access !== "public" });
  const { headers } = outgoing;
  stripClientHeaders(headers, state.reservedHeaders);
  if (config.forwardedHeaders === "set") setForwardedHeaders(headers, request, url);
  stripOwnCookies(headers, config.session.cookieName);

  if (route.access === "public") {
    decision.decided();
    const answer = await forwardToOrigin(outgoing, origin, rt);
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
  const accepted = route.acceptedIssuers;
  const authenticated = await authenticateRequest(request, rt, state, scheme, decision, accepted);
  if (!authenticated.ok) {
    const refusal = authenticated.failure;
    // Signing in makes a session of the sign-in issuer: a route that does not accept it, like one that
    // requires DPoP, is for API clients and answers 401.
    const browserRoute = !dpopOnly && acceptsSessions(accepted, state);
    return refuse(
      refusal,
      respondToFailure(refusal.failure, {
        realm: config.realm,
        credentialSent: refusal.credentialSent,
        presentation: browserRoute ? unauthenticatedPresentation(request, route.unauthenticated) : "api",
        ...(config.loginEnabled && browserRoute
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

  // RFC 6750 §3.1: a token without the route's scopes is refused before the route's claim rules.
  const scopeFailure = checkRequiredScopes(route, identity);
  const access = scopeFailure
    ? { admitted: false as const, failure: scopeFailure }
    : judgeAccess(route, identity, {
        // The claim the identity's own issuer keeps groups in (groups_claim of AUTH_ISSUERS).
        groupsClaim:
          config.issuers.find((issuer) => issuer.name === identity.issuerName)?.groupsClaim ??
          config.groupsClaim,
        emailVerifiedRequired: config.emailVerifiedRequired,
      });
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

  // One credential from too many client networks: recorded once; refused on `refuse_replayed` routes.
  const replayed = checkReplay(request, auth, route, routeName(route), rt, state);
  if (replayed) {
    const refusal = {
      failure: { ...replayed, ...kidAndTier },
      credentialSent: true,
      forgetSessionCookie: false,
      who: auth,
    };
    return refuse(
      refusal,
      respondToFailure(replayed, { realm: config.realm, credentialSent: true, presentation: "api" }),
    );
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
  headers.delete("dpop");
  injectIdentityHeaders(headers, identity, config, forwardedToken(auth));
  // With ASSERTION_SIGNING_KEY set the origin may trust the assertion alone: no assertion, no forward.
  const asserted = await attachAssertion(headers, identity, route, url, rt, state);
  decision.decided();
  if (!asserted.ok)
    return decision.finish(respondToFailure({ kind: "misconfigured", reason: "misconfigured" }), {
      outcome: "error",
      reason: "misconfigured",
      detail: "assertion_key_unusable",
      credential: auth.via,
      ...kidAndTier,
    });
  const answer = await forwardToOrigin(outgoing, origin, rt);
  // A WebSocket lives past this request: the gate relays it and closes it when the credential ends.
  const response =
    answer.ok && answer.response.status === 101 && isWebSocketUpgrade(request) && answer.response.webSocket
      ? relayWebSocket(answer.response, socketStanding(auth, request, url, scheme.session, rt, state))
      : keepPrivate(answer.response);
  if (auth.via === "bearer") offerNextNonce(response, auth.dpop);
  return decision.finish(response, forwardedFields(answer, auth));
}

/** What the decision log says about a request that went to the origin: one object, no spreads. */
function forwardedFields(answer: OriginAnswer, auth: Authenticated): DecisionFields {
  const { identity } = auth;
  const bearer = auth.via === "bearer";
  return {
    outcome: answer.ok ? "forwarded" : "error",
    reason: answer.ok ? undefined : "origin_unreachable",
    detail: answer.ok ? undefined : answer.problem,
    credential: auth.via,
    issuer: identity.issuer,
    kid: bearer ? auth.kid : undefined,
    tier: bearer ? auth.tier : undefined,
    sub: identity.sub,
    email: identity.email,
    issuerName: identity.issuerName,
    tokenType: identity.tokenType,
  };
}

/**
 * 400 for a path that origins read under rules granting different access, decided before any
 * credential is looked at: no identity can make the path mean one thing, and signing in would loop.
 */
function refuseAmbiguousPath(
  request: Request,
  failure: Failure,
  realm: string,
  sessionCookie: string,
  decision: DecisionRecorder,
): Response {
  decision.decided();
  const response = respondToFailure(failure, {
    realm,
    credentialSent: false,
    presentation: classifyRequest(request) === "navigation" ? "page" : "api",
  });
  return decision.finish(response, {
    outcome: "refused",
    reason: failure.reason,
    ...(failure.detail === undefined ? {} : { detail: failure.detail }),
    credential: presentedCredential(request, sessionCookie),
  });
}

/** The route name the decision log gives an ambiguous path. */
const AMBIGUOUS = "(ambiguous path)";

/** Which credential the request carries, unverified: for the log of a request refused before it is read. */
function presentedCredential(request: Request, sessionCookie: string): CredentialKind {
  if (request.headers.has("authorization")) return "bearer";
  return parseCookies(request.headers.get("cookie")).has(sessionCookie) ? "session" : "none";
}

/** The standing check of a relayed WebSocket: the credential that opened it, checked again. */
function socketStanding(
  auth: Authenticated,
  request: Request,
  url: URL,
  sessionCookieName: string,
  rt: Runtime,
  state: IsolateState,
) {
  const cookie =
    auth.via === "session" ? parseCookies(request.headers.get("cookie")).get(sessionCookieName) : undefined;
  return credentialStanding(auth, cookie, url.origin, rt, state);
}

function forwardedToken(auth: Authenticated): string {
  return auth.via === "bearer" ? auth.token : auth.record.idToken;
}
