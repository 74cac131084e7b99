import { type Authenticated, type AuthFailure, authenticate } from "./authenticate.ts";
import { AUTH_PATHS } from "./config/defaults.ts";
import type { Failure } from "./failure.ts";
import { injectIdentityHeaders, stripIdentityHeaders } from "./forward/identity-headers.ts";
import { chooseOrigin, forwardToOrigin } from "./forward/origin.ts";
import { cookieScheme, expireCookie, stripOwnCookies } from "./http/cookies.ts";
import { classifyRequest, unauthenticatedPresentation } from "./http/request-kind.ts";
import type { IsolateState } from "./isolate-state.ts";
import type { VerifyFailure } from "./jwt/verify-id-token.ts";
import { type Decision, decisionLine } from "./observe/decision-log.ts";
import { signOutFormOrigins } from "./oidc/logout.ts";
import type { Runtime } from "./platform.ts";
import { admits } from "./policy/admit.ts";
import { matchRoute } from "./policy/match-route.ts";
import { respondToFailure } from "./respond/failure-response.ts";

export type { IsolateState } from "./isolate-state.ts";

/**
 * The request path for every request that is not one of edge-auth's own endpoints: match the route,
 * strip spoofed identity headers and edge-auth's own cookies, and either forward (public route, or a
 * verified and admitted identity from a bearer ID token or a session) or answer at the edge.
 * Nothing reaches the origin without a verified identity unless its route is public.
 */
export async function gateRequest(
  request: Request,
  env: Readonly<Record<string, unknown>>,
  rt: Runtime,
  state: IsolateState,
): Promise<Response> {
  const startedAt = rt.now();
  const { config } = state;
  const url = new URL(request.url);
  const route = matchRoute(config, url.pathname);
  const scheme = cookieScheme(url, config.session.cookieName);
  const log = (decision: Omit<Decision, "requestId" | "route" | "durationMs">) =>
    rt.log(
      decisionLine({
        requestId: request.headers.get("cf-ray") ?? crypto.randomUUID(),
        route: route.index === -1 ? "(default)" : `${route.index}:${route.pattern}`,
        ...decision,
        durationMs: rt.now() - startedAt,
      }),
    );
  const headers = new Headers(request.headers);
  stripIdentityHeaders(headers, config);
  stripOwnCookies(headers, config.session.cookieName);
  const origin = chooseOrigin(config, env);

  if (route.access === "public") {
    const response = await forwardToOrigin(request, headers, origin, rt);
    log({ outcome: "public", status: response.status });
    return response;
  }

  const refuse = (refusal: AuthFailure, response: Response): Response => {
    const failure: VerifyFailure = refusal.failure;
    if (refusal.forgetSessionCookie)
      response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
    log({
      outcome: "refused",
      status: response.status,
      reason: failure.reason,
      issuer: config.issuer,
      ...(failure.kid === undefined ? {} : { kid: failure.kid }),
      ...(failure.tier === undefined ? {} : { tier: failure.tier }),
    });
    return response;
  };

  const authenticated = await authenticate(request, rt, state, scheme);
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
    return refuse(
      { failure: { ...forbidden, ...kidAndTier }, credentialSent: true, forgetSessionCookie: false },
      response,
    );
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
  injectIdentityHeaders(headers, identity, config, forwardedToken(auth));
  const response = await forwardToOrigin(request, headers, origin, rt);
  log({
    outcome: "forwarded",
    status: response.status,
    issuer: identity.issuer,
    credential: auth.via,
    ...kidAndTier,
  });
  return response;
}

/** `/auth/login?return_to=<this path and query>`: where an unauthenticated browser is sent. */
export function loginUrlFor(url: URL): string {
  return `${AUTH_PATHS.login}?return_to=${encodeURIComponent(`${url.pathname}${url.search}`)}`;
}

function forwardedToken(auth: Authenticated): string {
  return auth.via === "bearer" ? auth.token : auth.record.idToken;
}
