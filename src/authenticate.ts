import type { IssuerPolicy } from "./config/config.ts";
import { LOGIN_ISSUER_NAME } from "./config/schema-issuers.ts";
import { checkSenderConstraint, type DpopBinding } from "./dpop/sender-constraint.ts";
import { unauthenticated, unavailable } from "./failure.ts";
import { readTokenCredential } from "./http/bearer.ts";
import { type CookieScheme, parseCookies } from "./http/cookies.ts";
import type { VerifiedIdentity } from "./identity.ts";
import type { IsolateState } from "./isolate-state.ts";
import type { KeySource } from "./jwks/key-source.ts";
import type { KeyTier } from "./jwks/vocabulary.ts";
import type { VerifyFailure } from "./jwt/verify-id-token.ts";
import { verifyToken } from "./jwt/verify-token.ts";
import type { DecisionFields, DecisionRecorder } from "./observe/decision-recorder.ts";
import { probeKeyLookup } from "./observe/key-probe.ts";
import type { Runtime } from "./platform.ts";
import { fail, ok, type Result } from "./result.ts";
import {
  findRevocation,
  isSignedOut,
  revocationSubject,
  revokedFailure,
  signedOutFailure,
  withoutRevokedKeys,
} from "./revocation/check-revocation.ts";
import { authenticateSession, type SessionIdentity } from "./session/authenticate-session.ts";

/** What a client refused because the revocation fence is unreachable is told to wait. */
const FENCE_RETRY_AFTER_SECONDS = 1;

/** Who made a request, and with which credential. */
export type Authenticated =
  | {
      readonly via: "bearer";
      readonly identity: VerifiedIdentity;
      readonly token: string;
      readonly kid: string | undefined;
      readonly tier: KeyTier;
      /** Present when the token is DPoP-bound and came with a valid, fresh proof (RFC 9449). */
      readonly dpop?: DpopBinding;
    }
  | ({ readonly via: "session" } & SessionIdentity);

/** Why a request was not authenticated, with what the response and the decision log need to know. */
export interface Refusal {
  readonly failure: VerifyFailure;
  readonly credentialSent: boolean;
  /** The session cookie names no usable session: the response should make the browser forget it. */
  readonly forgetSessionCookie: boolean;
  /** A credential that verified but no longer counts (revoked): who it named, for the log. */
  readonly who?: Authenticated;
}

/** The issuers whose credentials a request may carry: a route's, or every issuer for whoami. */
export type AcceptedIssuers = ReadonlyMap<string, IssuerPolicy>;

/**
 * The whole authentication of a request, the same for the gate and `/auth/whoami`: the credential is
 * verified with the keys of the issuer its `iss` names among `accepted` (the sign-in issuer's minus
 * the revoked ones; timed into the decision's probe), then — for the sign-in issuer, whose revocation
 * document it is — its subject, session and issue time are checked against the operator's
 * revocations, and a bearer token against the ID tokens of sessions that signed out (`revoked`,
 * detail `signed_out`). A revoked credential is refused as `revoked` (with the key and tier that
 * verified it), and a session that is revoked is forgotten by the browser. With
 * REVOCATION_FENCE_REQUIRED, a sign-in issuer's credential that passes all this is still refused
 * (503, `fence_unavailable`) while the revocation fence cannot be consulted.
 */
export async function authenticateRequest(
  request: Request,
  rt: Runtime,
  state: IsolateState,
  scheme: CookieScheme,
  decision: Pick<DecisionRecorder, "probe" | "timeVerification">,
  accepted: AcceptedIssuers,
): Promise<Result<Authenticated, Refusal>> {
  // Revocations come from isolate memory (a KV read only on a cold isolate or a long-idle one).
  const revocations = await state.revocations.current(rt);
  const nowSeconds = rt.now() / 1000;
  const keysOf = (issuer: IssuerPolicy): KeySource => {
    const keys = state.issuerKeys.get(issuer.name) ?? state.keys;
    const usable =
      issuer.name === LOGIN_ISSUER_NAME ? withoutRevokedKeys(keys, revocations, nowSeconds) : keys;
    return probeKeyLookup(usable, decision.probe);
  };
  // Only a request that carries a credential has a verification to time (Server-Timing, verifyMs).
  const carriesCredential = request.headers.has("authorization") || request.headers.has("cookie");
  const authenticated = carriesCredential
    ? await decision.timeVerification(() => authenticate(request, rt, state, scheme, accepted, keysOf))
    : await authenticate(request, rt, state, scheme, accepted, keysOf);
  if (!authenticated.ok) return authenticated;

  const auth = authenticated.value;
  if (auth.identity.issuerName !== LOGIN_ISSUER_NAME) return authenticated;
  const revoked = findRevocation(revocations, revocationSubject(auth.identity), nowSeconds);
  // The ID token of a session that signed out (it may sit in browser history as `id_token_hint`).
  // Its SHA-256 is worked out only while some token is signed out, once per cached token.
  // A session's own ID token is checked too: another isolate may still hold the signed-out session
  // in memory (SESSION memory cache), and the fence reaches it sooner than that expires.
  const signedOut =
    revocations.signedOut.size > 0 &&
    isSignedOut(revocations, await state.verifiedTokens.fingerprintOf(credentialToken(auth)), nowSeconds);
  if (!revoked && !signedOut) {
    // REVOCATION_FENCE_REQUIRED: without the fence, a sign-out elsewhere may not be seen for a minute.
    if (revocations.fenceUnavailable && state.config.revocation.fenceRequired)
      return fail({
        failure: { ...unavailable("fence_unavailable", FENCE_RETRY_AFTER_SECONDS), ...keyFields(auth) },
        credentialSent: true,
        forgetSessionCookie: false,
        who: auth,
      });
    return authenticated;
  }
  return fail({
    failure: { ...(revoked ? revokedFailure(revoked) : signedOutFailure()), ...keyFields(auth) },
    credentialSent: true,
    forgetSessionCookie: auth.via === "session",
    who: auth,
  });
}

/** The ID token behind a credential: the bearer token itself, or the one the session holds. */
function credentialToken(auth: Authenticated): string {
  return auth.via === "bearer" ? auth.token : auth.record.idToken;
}

/** What the decision log says about a refused credential (reason, key, and who, when it verified). */
export function refusalFields(refusal: Refusal, request: Request, issuer: string): DecisionFields {
  const { failure, who } = refusal;
  return {
    outcome: "refused",
    reason: failure.reason,
    ...(failure.detail === undefined ? {} : { detail: failure.detail }),
    credential: who?.via ?? (refusal.credentialSent ? credentialKind(request) : "none"),
    // The issuer that vouched for a credential that verified; otherwise the sign-in issuer.
    issuer: who?.identity.issuer ?? issuer,
    ...(failure.kid === undefined ? {} : { kid: failure.kid }),
    ...(failure.tier === undefined ? {} : { tier: failure.tier }),
    ...(who === undefined ? {} : identityFields(who.identity)),
  };
}

/** The subject, email, issuer name and token type of an identity, for the decision log (which masks the email). */
export function identityFields(identity: VerifiedIdentity): {
  sub: string;
  email?: string;
  issuerName: string;
  tokenType: VerifiedIdentity["tokenType"];
} {
  return {
    sub: identity.sub,
    ...(identity.email === undefined ? {} : { email: identity.email }),
    issuerName: identity.issuerName,
    tokenType: identity.tokenType,
  };
}

function credentialKind(request: Request): "bearer" | "session" {
  return request.headers.has("authorization") ? "bearer" : "session";
}

/** The key and key tier that verified a bearer token, for the decision log (a session has none). */
export function keyFields(auth: Authenticated): { kid?: string; tier?: KeyTier } {
  if (auth.via !== "bearer") return {};
  return { ...(auth.kid === undefined ? {} : { kid: auth.kid }), tier: auth.tier };
}

/**
 * Finds and checks the request's credential: an `Authorization: Bearer` or `DPoP` token first (an
 * explicit credential wins), else the session cookie when sign-in is enabled and the sign-in issuer
 * is among `accepted` (a session is the sign-in issuer's: a route that does not accept that issuer
 * ignores the cookie). Tokens are verified with `keysOf` their issuer (the isolate's key cache, or a
 * wrapper that times it and leaves out revoked keys), then their sender constraint
 * (src/dpop/sender-constraint.ts: a `cnf.jkt` token needs a valid, fresh proof).
 */
export async function authenticate(
  request: Request,
  rt: Runtime,
  state: IsolateState,
  scheme: CookieScheme,
  accepted: AcceptedIssuers,
  keysOf: (issuer: IssuerPolicy) => KeySource,
): Promise<Result<Authenticated, Refusal>> {
  const credential = readTokenCredential(request.headers);
  if (credential.kind === "malformed")
    return refuse({ kind: "bad_request", reason: "invalid_authorization_header" }, true);
  if (credential.kind === "bearer" || credential.kind === "dpop") {
    const { token } = credential;
    const verification = { accepted, keysOf, limits: state.config };
    const verified = await verifyToken(token, verification, rt, {}, state.verifiedTokens);
    if (!verified.ok) return refuse(verified.failure, true);
    const auth: Authenticated = { via: "bearer", token, ...verified.value };
    const claims = verified.value.identity.claims;
    const binding = await checkSenderConstraint(
      { scheme: credential.kind, token, claims, request },
      state.config,
      rt,
      state.dpopNonces,
    );
    if (!binding.ok)
      return fail({
        failure: { ...binding.failure, ...keyFields(auth) },
        credentialSent: true,
        forgetSessionCookie: false,
        who: auth,
      });
    return ok(binding.value === undefined ? auth : { ...auth, dpop: binding.value });
  }

  if (!acceptsSessions(accepted, state)) return refuse(unauthenticated("no_credential"), false);
  const cookie = state.secrets ? parseCookies(request.headers.get("cookie")).get(scheme.session) : undefined;
  if (cookie === undefined || cookie === "") return refuse(unauthenticated("no_credential"), false);
  const session = await authenticateSession(cookie, new URL(request.url).origin, rt, state);
  if (!session.ok) return refuse(session.failure.failure, true, session.failure.forgetCookie);
  return ok({ via: "session", ...session.value });
}

/** Whether the sign-in issuer (whose sessions the cookie carries) is among the accepted issuers. */
export function acceptsSessions(accepted: AcceptedIssuers, state: IsolateState): boolean {
  return accepted.get(state.config.issuer)?.name === LOGIN_ISSUER_NAME;
}

function refuse(
  failure: VerifyFailure,
  credentialSent: boolean,
  forgetSessionCookie = false,
): { ok: false; failure: Refusal } {
  return fail({ failure, credentialSent, forgetSessionCookie });
}
