import type { GateConfig } from "./config/config.ts";
import { type Failure, unauthenticated } from "./failure.ts";
import { injectIdentityHeaders, stripIdentityHeaders } from "./forward/identity-headers.ts";
import { chooseOrigin, forwardToOrigin, keepPrivate } from "./forward/origin.ts";
import { readBearer } from "./http/bearer.ts";
import type { VerifiedIdentity } from "./identity.ts";
import type { KeyCache } from "./jwks/key-cache.ts";
import { type VerifyFailure, verifyIdToken } from "./jwt/verify-id-token.ts";
import { beginDecision } from "./observe/decision-recorder.ts";
import { probeKeyLookup } from "./observe/key-probe.ts";
import type { Runtime } from "./platform.ts";
import { admits } from "./policy/admit.ts";
import { matchRoute } from "./policy/match-route.ts";
import { respondToFailure } from "./respond/failure-response.ts";
import { findRevocation, revokedFailure, withoutRevokedKeys } from "./revocation/check-revocation.ts";
import type { RevocationCache } from "./revocation/revocation-cache.ts";

/** What an isolate keeps between requests for one configuration. */
export interface IsolateState {
  readonly config: GateConfig;
  readonly keys: KeyCache;
  readonly revocations: RevocationCache;
}

/**
 * The request path for every non-login request: match the route, strip spoofed identity headers,
 * and either forward (public route, or a verified, unrevoked and admitted identity) or answer at the
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
  const route = matchRoute(config, new URL(request.url).pathname);
  const routeName = route.index === -1 ? "(default)" : `${route.index}:${route.pattern}`;
  const decision = beginDecision(request, rt, config.observe, routeName);
  const headers = new Headers(request.headers);
  stripIdentityHeaders(headers, config);
  const origin = chooseOrigin(config, env);

  if (route.access === "public") {
    decision.decided();
    const response = await forwardToOrigin(request, headers, origin, rt);
    return decision.finish(response, { outcome: "public", credential: "none" });
  }

  const refuse = (failure: VerifyFailure, credentialSent: boolean, who?: VerifiedIdentity): Response => {
    decision.decided();
    const response = respondToFailure(failure, { realm: config.realm, credentialSent });
    return decision.finish(response, {
      outcome: "refused",
      reason: failure.reason,
      ...(failure.detail === undefined ? {} : { detail: failure.detail }),
      credential: credentialSent ? "bearer" : "none",
      issuer: config.issuer,
      ...(failure.kid === undefined ? {} : { kid: failure.kid }),
      ...(failure.tier === undefined ? {} : { tier: failure.tier }),
      ...(who === undefined
        ? {}
        : { sub: who.sub, ...(who.email === undefined ? {} : { email: who.email }) }),
    });
  };

  const credential = readBearer(request.headers);
  if (credential.kind === "none") return refuse(unauthenticated("no_credential"), false);
  if (credential.kind === "malformed")
    return refuse({ kind: "bad_request", reason: "invalid_authorization_header" }, true);

  // Revocations come from isolate memory (a KV read only on a cold isolate or a long-idle one).
  const revocations = await state.revocations.current(rt);
  const nowSeconds = rt.now() / 1000;
  const keys = probeKeyLookup(withoutRevokedKeys(state.keys, revocations, nowSeconds), decision.probe);
  const verified = await decision.timeVerification(() => verifyIdToken(credential.token, config, keys, rt));
  if (!verified.ok) return refuse(verified.failure, true);
  const { identity, kid, tier } = verified.value;
  const optionalKid = kid === undefined ? {} : { kid };

  const sid = identity.claims.sid;
  const iat = identity.claims.iat;
  const revoked = findRevocation(
    revocations,
    {
      sub: identity.sub,
      ...(typeof sid === "string" ? { sid } : {}),
      ...(typeof iat === "number" ? { issuedAt: iat } : {}),
    },
    nowSeconds,
  );
  if (revoked) return refuse({ ...revokedFailure(revoked), ...optionalKid, tier }, true, identity);

  if (!admits(route, identity)) {
    const forbidden: Failure = { kind: "forbidden", reason: "forbidden_by_policy" };
    return refuse({ ...forbidden, ...optionalKid, tier }, true, identity);
  }

  // The credential was consumed here; the origin gets identity headers (and the token only if configured).
  headers.delete("authorization");
  injectIdentityHeaders(headers, identity, config, credential.token);
  decision.decided();
  const response = keepPrivate(await forwardToOrigin(request, headers, origin, rt));
  return decision.finish(response, {
    outcome: "forwarded",
    credential: "bearer",
    issuer: identity.issuer,
    ...optionalKid,
    tier,
    sub: identity.sub,
    ...(identity.email === undefined ? {} : { email: identity.email }),
  });
}
