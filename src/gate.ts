import { type Authenticated, type AuthFailure, authenticate } from "./authenticate.ts";
import { AUTH_PATHS } from "./config/defaults.ts";
import type { Failure } from "./failure.ts";
import { injectIdentityHeaders, stripIdentityHeaders } from "./forward/identity-headers.ts";
import { chooseOrigin, forwardToOrigin, keepPrivate } from "./forward/origin.ts";
import { cookieScheme, expireCookie, stripOwnCookies } from "./http/cookies.ts";
import { classifyRequest, unauthenticatedPresentation } from "./http/request-kind.ts";
import type { VerifiedIdentity } from "./identity.ts";
import type { IsolateState } from "./isolate-state.ts";
import type { VerifyFailure } from "./jwt/verify-id-token.ts";
import { beginDecision } from "./observe/decision-recorder.ts";
import { probeKeyLookup } from "./observe/key-probe.ts";
import { signOutFormOrigins } from "./oidc/logout.ts";
import type { Runtime } from "./platform.ts";
import { admits } from "./policy/admit.ts";
import { matchRoute } from "./policy/match-route.ts";
import { respondToFailure } from "./respond/failure-response.ts";
import { findRevocation, revokedFailure, withoutRevokedKeys } from "./revocation/check-revocation.ts";

export type { IsolateState } from "./isolate-state.ts";

/**
 * The request path for every request that is not one of edge-auth's own endpoints: match the route,
 * strip spoofed identity headers and edge-auth's own cookies, and either forward (public route, or a
 * verified, unrevoked and admitted identity from a bearer ID token or a session) or answer at the
 * edge. Nothing reaches the origin without a verified identity unless its route is public. Every
 * request ends in exactly one recorded decision (docs/operations.md).
 */
export async function gateRequest(
  request: Request,
  env: Readonly<Record<string, unknown>>,
  rt: Runtime,
  state: IsolateState,
): Promise<Response> {
  const { config } = state;
  const url = new URL(request.url);
  const route = matchRoute(config, url.pathname);
  const routeName = route.index === -1 ? "(default)" : `${route.index}:${route.pattern}`;
  const decision = beginDecision(request, rt, config.observe, routeName);
  const scheme = cookieScheme(url, config.session.cookieName);
  const headers = new Headers(request.headers);
  stripIdentityHeaders(headers, config);
  stripOwnCookies(headers, config.session.cookieName);
  const origin = chooseOrigin(config, env);

  if (route.access === "public") {
    decision.decided();
    const answer = await forwardToOrigin(request, headers, origin, rt);
    return decision.finish(answer.response, {
      outcome: answer.ok ? "public" : "error",
      credential: "none",
      ...(answer.ok ? {} : { reason: "origin_unreachable", detail: answer.problem }),
    });
  }

  const refuse = (refusal: AuthFailure, response: Response, who?: Authenticated): Response => {
    decision.decided();
    const failure: VerifyFailure = refusal.failure;
    if (refusal.forgetSessionCookie)
      response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
    return decision.finish(response, {
      outcome: "refused",
      reason: failure.reason,
      ...(failure.detail === undefined ? {} : { detail: failure.detail }),
      credential: who?.via ?? (refusal.credentialSent ? credentialKind(request) : "none"),
      issuer: config.issuer,
      ...(failure.kid === undefined ? {} : { kid: failure.kid }),
      ...(failure.tier === undefined ? {} : { tier: failure.tier }),
      ...(who === undefined ? {} : whoFields(who.identity)),
    });
  };

  // Revocations come from isolate memory (a KV read only on a cold isolate or a long-idle one).
  const revocations = await state.revocations.current(rt);
  const nowSeconds = rt.now() / 1000;
  const keys = probeKeyLookup(withoutRevokedKeys(state.keys, revocations, nowSeconds), decision.probe);
  // Only a request that carries a credential has a verification to time (Server-Timing, verifyMs).
  const carriesCredential = request.headers.has("authorization") || request.headers.has("cookie");
  const authenticated = carriesCredential
    ? await decision.timeVerification(() => authenticate(request, rt, state, scheme, keys))
    : await authenticate(request, rt, state, scheme, keys);
  if (!authenticated.ok) {
    const refusal = authenticated.failure;
    return refuse(
      refusal,
      respondToFailure(refusal.failure, {
        realm: config.realm,
        credentialSent: refusal.credentialSent,
        presentation: unauthenticatedPresentation(request, route.unauthenticated),
        ...(config.loginEnabled ? { loginUrl: loginUrlFor(url) } : {}),
      }),
    );
  }

  const auth = authenticated.value;
  const { identity } = auth;
  const kidAndTier =
    auth.via === "bearer" ? { ...(auth.kid === undefined ? {} : { kid: auth.kid }), tier: auth.tier } : {};

  const revoked = findRevocation(revocations, revocationSubject(identity), nowSeconds);
  if (revoked) {
    const failure = { ...revokedFailure(revoked), ...kidAndTier };
    const refusal = { failure, credentialSent: true, forgetSessionCookie: auth.via === "session" };
    return refuse(refusal, respondToFailure(failure, refusalContext(request, route.unauthenticated)), auth);
  }

  if (!admits(route, identity)) {
    const forbidden: Failure = { kind: "forbidden", reason: "forbidden_by_policy" };
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
    };
    return refuse(refusal, response, auth);
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
  injectIdentityHeaders(headers, identity, config, forwardedToken(auth));
  decision.decided();
  const answer = await forwardToOrigin(request, headers, origin, rt);
  return decision.finish(keepPrivate(answer.response), {
    outcome: answer.ok ? "forwarded" : "error",
    ...(answer.ok ? {} : { reason: "origin_unreachable", detail: answer.problem }),
    credential: auth.via,
    issuer: identity.issuer,
    ...kidAndTier,
    ...whoFields(identity),
  });

  function refusalContext(req: Request, unauthenticatedAnswer: typeof route.unauthenticated) {
    return {
      realm: config.realm,
      credentialSent: true,
      presentation: unauthenticatedPresentation(req, unauthenticatedAnswer),
      ...(config.loginEnabled ? { loginUrl: loginUrlFor(url) } : {}),
    };
  }
}

/** `/auth/login?return_to=<this path and query>`: where an unauthenticated browser is sent. */
export function loginUrlFor(url: URL): string {
  return `${AUTH_PATHS.login}?return_to=${encodeURIComponent(`${url.pathname}${url.search}`)}`;
}

function forwardedToken(auth: Authenticated): string {
  return auth.via === "bearer" ? auth.token : auth.record.idToken;
}

function credentialKind(request: Request): "bearer" | "session" {
  return request.headers.has("authorization") ? "bearer" : "session";
}

function whoFields(identity: VerifiedIdentity): { sub: string; email?: string } {
  return { sub: identity.sub, ...(identity.email === undefined ? {} : { email: identity.email }) };
}

/** What a revocation entry can name in an identity: its subject, its session id, when it was issued. */
function revocationSubject(identity: VerifiedIdentity): { sub: string; sid?: string; issuedAt?: number } {
  const { sid, iat } = identity.claims;
  return {
    sub: identity.sub,
    ...(typeof sid === "string" ? { sid } : {}),
    ...(typeof iat === "number" ? { issuedAt: iat } : {}),
  };
}
