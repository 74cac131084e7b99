import { AUTH_PATHS } from "../config/defaults.ts";
import { badLogin, type Failure, type ReasonCode } from "../failure.ts";
import {
  type CookieScheme,
  cookieScheme,
  expireCookie,
  parseCookies,
  serializeCookie,
} from "../http/cookies.ts";
import type { IsolateState } from "../isolate-state.ts";
import { verifyIdToken } from "../jwt/verify-id-token.ts";
import { recordDecision } from "../observe/decision-log.ts";
import { requestIdOf } from "../observe/request-id.ts";
import type { ProviderError } from "../pages/pages.ts";
import type { Runtime } from "../platform.ts";
import { judgeStepUp } from "../policy/step-up.ts";
import { redirect, respondToFailure } from "../respond/failure-response.ts";
import {
  findRevocation,
  revocationSubject,
  revokedFailure,
  withoutRevokedKeys,
} from "../revocation/check-revocation.ts";
import { newSession, readSessionCookie } from "../session/session-id.ts";
import { indexSession } from "../session/session-index.ts";
import { startSessionRecord } from "../session/session-record.ts";
import { exchangeCode } from "./code-exchange.ts";
import { loginUrlFor } from "./login-url.ts";
import { returnToUrl } from "./return-to.ts";
import { isWellFormedState, openTransaction, transactionCookieName } from "./transaction.ts";
import { fetchUserinfo } from "./userinfo.ts";

const MAX_PROVIDER_TEXT = 300;
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/**
 * GET /auth/callback: finishes a sign-in attempt. The `state` must name an attempt this browser
 * started, unaltered, unexpired and not used before; the provider's `error` is shown politely; the code
 * is exchanged at the token endpoint (with the client secret, or as a public client, with the PKCE
 * verifier) and the ID token verified like a bearer token plus `nonce` (and `auth_time` when `max_age`
 * was sent); with OIDC_USERINFO, the UserInfo claims are fetched for the same subject. Then a session is created and the browser sent (303) to the saved `return_to`.
 * Every failure is a 400 page offering to try again — never a redirect back to the provider.
 */
export async function completeLogin(request: Request, rt: Runtime, state: IsolateState): Promise<Response> {
  const startedAt = rt.now();
  const { config } = state;
  const url = new URL(request.url);
  const scheme = cookieScheme(url, config.session.cookieName);
  const setCookies: string[] = [];
  const log = (
    outcome: "login_completed" | "login_failed",
    status: number,
    extra: { sub?: string; reason?: ReasonCode; detail?: string },
  ) =>
    recordDecision(rt, config.observe, {
      requestId: requestIdOf(request),
      route: AUTH_PATHS.callback,
      outcome,
      status,
      credential: "session",
      issuer: config.issuer,
      ...extra,
      durationMs: rt.now() - startedAt,
    });

  const outcome = await processCallback(request, url, scheme, rt, state, setCookies);
  let response: Response;
  if (outcome.ok) {
    response = redirect(303, returnToUrl(outcome.returnTo, url.origin));
    log("login_completed", 303, { sub: outcome.sub });
  } else {
    response = respondToFailure(outcome.failure, {
      realm: config.realm,
      credentialSent: false,
      presentation: "page",
      // After a step-up fell short, "try again" asks for a fresh authentication.
      retryUrl: loginUrlFor(
        outcome.returnTo,
        outcome.stepUpRoute === undefined
          ? undefined
          : { routeIndex: outcome.stepUpRoute, reauthenticate: true },
      ),
      ...(outcome.providerError ? { providerError: outcome.providerError } : {}),
    });
    log("login_failed", response.status, {
      reason: outcome.failure.reason,
      ...(outcome.failure.detail === undefined ? {} : { detail: outcome.failure.detail }),
    });
  }
  for (const cookie of setCookies) response.headers.append("set-cookie", cookie);
  return response;
}

type CallbackOutcome =
  | { readonly ok: true; readonly returnTo: string; readonly sub: string }
  | {
      readonly ok: false;
      readonly failure: Failure;
      readonly returnTo: string;
      readonly providerError?: ProviderError;
      /** The route a step-up that fell short was for. */
      readonly stepUpRoute?: number;
    };

async function processCallback(
  request: Request,
  url: URL,
  scheme: CookieScheme,
  rt: Runtime,
  state: IsolateState,
  setCookies: string[],
): Promise<CallbackOutcome> {
  const { config, secrets, sessions } = state;
  const params = url.searchParams;
  const stateParam = params.get("state");
  if (!stateParam || !secrets) return refused(badLogin("state_missing"), "/");
  if (!isWellFormedState(stateParam)) return refused(badLogin("state_unknown", "malformed state"), "/");

  const cookies = parseCookies(request.headers.get("cookie"));
  const cookieName = transactionCookieName(scheme, stateParam);
  const sealed = cookies.get(cookieName);
  if (sealed === undefined)
    return refused(badLogin("state_unknown", "no attempt cookie for this state"), "/");
  // Whatever happens next, this attempt is over: the browser forgets it.
  setCookies.push(expireCookie(cookieName, scheme.secure));
  const transaction = await openTransaction(sealed, cookieName, secrets);
  if (!transaction) return refused(badLogin("state_unknown", "attempt cookie altered or unreadable"), "/");
  const { returnTo } = transaction;
  if (transaction.state !== stateParam) return refused(badLogin("state_mismatch"), returnTo);
  if (rt.now() / 1000 >= transaction.expiresAt) return refused(badLogin("state_expired"), returnTo);
  if (!(await state.usedStates.claim(rt, transaction.state, transaction.expiresAt)))
    return refused(badLogin("state_reused"), returnTo);
  const issuerProblem = await authorizationResponseIssuerProblem(params, rt, state);
  if (issuerProblem) return refused(issuerProblem, returnTo);

  const error = params.get("error");
  if (error !== null) {
    const description = params.get("error_description");
    const providerError: ProviderError = {
      error: error.slice(0, MAX_PROVIDER_TEXT),
      ...(description ? { description: description.slice(0, MAX_PROVIDER_TEXT) } : {}),
    };
    // The code goes to the log only if it has the RFC 6749 §5.2 shape; the page shows it escaped.
    const logged = ERROR_CODE.test(providerError.error) ? providerError.error : "(not an error code)";
    return { ...refused(badLogin("provider_error", `error=${logged}`), returnTo), providerError };
  }

  const tokens = await exchangeCode(params, url, transaction, rt, state);
  if (!tokens.ok) return refused(tokens.failure, returnTo);
  const { idToken, refreshToken, accessToken } = tokens.value;

  // A revoked signing key, subject or session cannot sign in (else the provider's SSO would make a
  // new session for a revoked user on every visit): the 400 page, never a redirect to the provider.
  const revocations = await state.revocations.current(rt);
  const nowSeconds = rt.now() / 1000;
  const keys = withoutRevokedKeys(state.keys, revocations, nowSeconds);
  const verified = await verifyIdToken(idToken, config, keys, rt, {
    nonce: transaction.nonce,
    ...(transaction.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: transaction.maxAgeSeconds }),
  });
  if (!verified.ok) {
    const failure = verified.failure;
    return refused(
      failure.kind === "unavailable" ? failure : badLogin(failure.reason, failure.detail),
      returnTo,
    );
  }
  const identity = verified.value.identity;
  const revoked = findRevocation(revocations, revocationSubject(identity), nowSeconds);
  if (revoked) return refused(badLogin("revoked", revokedFailure(revoked).detail), returnTo);
  let userinfo: Readonly<Record<string, unknown>> | undefined;
  if (config.login.userinfo) {
    const fetched = await fetchUserinfo(accessToken, identity.sub, rt, state);
    if (!fetched.ok) return refused(fetched.failure, returnTo);
    userinfo = fetched.value;
  }
  // The new authentication must meet what this attempt asked for on behalf of its route; if not, the
  // browser keeps its previous session and gets a page that says what is needed (no redirect, no loop).
  const stepUp = transaction.stepUp;
  const judged = judgeStepUp(stepUp?.requirement, identity.claims, nowSeconds, config.clockLeewaySeconds);
  if (!judged.satisfied)
    return {
      ...refused(
        {
          kind: "step_up",
          reason: "step_up_failed",
          detail: judged.shortfall.detail,
          stepUp: judged.shortfall,
        },
        returnTo,
      ),
      ...(stepUp === undefined ? {} : { stepUpRoute: stepUp.routeIndex }),
    };

  const { cookieValue, handle } = await newSession(rt, secrets);
  const sealedRefreshToken =
    refreshToken === undefined
      ? undefined
      : await secrets.seal("refresh-token", refreshToken, handle.kvKey, rt);
  const record = startSessionRecord(
    url.origin,
    identity.claims,
    idToken,
    sealedRefreshToken,
    config.session,
    Math.floor(rt.now() / 1000),
    userinfo,
  );
  const saved = await sessions.save(rt, handle, record);
  if (!saved.ok) return refused(saved.failure, returnTo);
  // Findable by sid and sub for the provider's logout requests (session-index.ts).
  rt.waitUntil(
    indexSession(rt, handle, record, config.kvTimeoutMs).then((indexed) => {
      if (!indexed.ok) rt.log({ event: "session_index_failed", problem: indexed.failure });
    }),
  );

  // A new sign-in replaces the browser's previous session, which ends on the server too.
  const previous = cookies.get(scheme.session);
  const previousHandle = previous
    ? await readSessionCookie(previous, secrets, state.verifiedCookies)
    : undefined;
  if (previousHandle && previousHandle.kvKey !== handle.kvKey)
    rt.waitUntil(sessions.remove(rt, previousHandle));
  setCookies.push(
    serializeCookie(scheme.session, cookieValue, {
      secure: scheme.secure,
      maxAgeSeconds: config.session.absoluteTtlSeconds,
    }),
  );
  return { ok: true, returnTo, sub: identity.sub };
}

/**
 * RFC 9207 §2.4, for success and error responses alike: an `iss` parameter must be the configured
 * issuer exactly (one value, no mix-up with another provider), and when the provider's discovery says
 * `authorization_response_iss_parameter_supported: true`, a response without `iss` is refused.
 */
async function authorizationResponseIssuerProblem(
  params: URLSearchParams,
  rt: Runtime,
  state: IsolateState,
): Promise<Failure | undefined> {
  const values = params.getAll("iss");
  if (values.length > 1) return badLogin("iss_mismatch", "iss given more than once");
  if (values.length === 1) return values[0] === state.config.issuer ? undefined : badLogin("iss_mismatch");
  const discovery = await state.keys.discovery(rt);
  if (!discovery.ok) return discovery.failure;
  return discovery.value.authorization_response_iss_parameter_supported
    ? badLogin("iss_missing", "the provider's discovery says it sends iss")
    : undefined;
}

function refused(failure: Failure, returnTo: string): { ok: false; failure: Failure; returnTo: string } {
  return { ok: false, failure, returnTo };
}
