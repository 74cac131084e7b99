import type { GateConfig } from "./config/config.ts";
import { type Failure, unauthenticated } from "./failure.ts";
import { injectIdentityHeaders, stripIdentityHeaders } from "./forward/identity-headers.ts";
import { chooseOrigin, forwardToOrigin } from "./forward/origin.ts";
import { readBearer } from "./http/bearer.ts";
import type { KeyCache } from "./jwks/key-cache.ts";
import type { VerifiedTokenCache } from "./jwt/verified-token-cache.ts";
import { type VerifyFailure, verifyIdToken } from "./jwt/verify-id-token.ts";
import { decisionLine } from "./observe/decision-log.ts";
import type { Runtime } from "./platform.ts";
import { admits } from "./policy/admit.ts";
import { matchRoute } from "./policy/match-route.ts";
import { respondToFailure } from "./respond/failure-response.ts";

/** What an isolate keeps between requests for one configuration. */
export interface IsolateState {
  readonly config: GateConfig;
  readonly keys: KeyCache;
  readonly verifiedTokens: VerifiedTokenCache;
}

/**
 * The request path for every non-login request: match the route, strip spoofed identity headers,
 * and either forward (public route, or a verified and admitted identity) or answer at the edge.
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
  const route = matchRoute(config, new URL(request.url).pathname);
  const requestId = request.headers.get("cf-ray") ?? crypto.randomUUID();
  const routeName = route.index === -1 ? "(default)" : `${route.index}:${route.pattern}`;
  const headers = new Headers(request.headers);
  stripIdentityHeaders(headers, config);
  const origin = chooseOrigin(config, env);

  if (route.access === "public") {
    const response = await forwardToOrigin(request, headers, origin, rt);
    rt.log(
      decisionLine({
        requestId,
        route: routeName,
        outcome: "public",
        status: response.status,
        durationMs: rt.now() - startedAt,
      }),
    );
    return response;
  }

  const refuse = (failure: VerifyFailure, credentialSent: boolean): Response => {
    const response = respondToFailure(failure, { realm: config.realm, credentialSent });
    rt.log(
      decisionLine({
        requestId,
        route: routeName,
        outcome: "refused",
        status: response.status,
        reason: failure.reason,
        issuer: config.issuer,
        ...(failure.kid === undefined ? {} : { kid: failure.kid }),
        ...(failure.tier === undefined ? {} : { tier: failure.tier }),
        durationMs: rt.now() - startedAt,
      }),
    );
    return response;
  };

  const credential = readBearer(request.headers);
  if (credential.kind === "none") return refuse(unauthenticated("no_credential"), false);
  if (credential.kind === "malformed")
    return refuse({ kind: "bad_request", reason: "invalid_authorization_header" }, true);

  const verified = await verifyIdToken(credential.token, config, state.keys, rt, {}, state.verifiedTokens);
  if (!verified.ok) return refuse(verified.failure, true);
  const { identity, kid, tier } = verified.value;
  if (!admits(route, identity)) {
    const forbidden: Failure = { kind: "forbidden", reason: "forbidden_by_policy" };
    return refuse({ ...forbidden, ...(kid === undefined ? {} : { kid }), tier }, true);
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
  injectIdentityHeaders(headers, identity, config, credential.token);
  const response = await forwardToOrigin(request, headers, origin, rt);
  rt.log(
    decisionLine({
      requestId,
      route: routeName,
      outcome: "forwarded",
      status: response.status,
      issuer: identity.issuer,
      ...(kid === undefined ? {} : { kid }),
      tier,
      durationMs: rt.now() - startedAt,
    }),
  );
  return response;
}
