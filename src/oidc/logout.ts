import { AUTH_PATHS } from "../config/defaults.ts";
import { recordSessionEnd } from "../fence/record-session-end.ts";
import { cookieScheme, expireCookie, parseCookies } from "../http/cookies.ts";
import type { IsolateState } from "../isolate-state.ts";
import { recordDecision } from "../observe/decision-log.ts";
import { requestIdOf } from "../observe/request-id.ts";
import { confirmSignOutPage } from "../pages/pages.ts";
import type { Runtime } from "../platform.ts";
import { redirect } from "../respond/failure-response.ts";
import { storedTokenExpiry, tokenFingerprint } from "../revocation/signed-out-tokens.ts";
import { readSessionCookie } from "../session/session-id.ts";
import { sessionMadeOn } from "../session/session-record.ts";
import { transactionCookieNames } from "./transaction.ts";

/** GET /auth/logout: a page with a sign-out button. A GET never signs out (links and prefetches do GET). */
export async function showLogoutConfirmation(rt: Runtime, state: IsolateState): Promise<Response> {
  return confirmSignOutPage(200, await signOutFormOrigins(rt, state));
}

/**
 * POST /auth/logout: ends the session for real. The KV record is deleted (and this isolate refuses the
 * cookie at once), the session's ID token is refused as a bearer token from now on until it expires
 * (signed-out-tokens.ts), the browser's cookies are expired, and the browser goes to the provider's
 * end_session_endpoint with `client_id` and `post_logout_redirect_uri` — plus `id_token_hint` when
 * `OIDC_LOGOUT_HINT = "id_token_hint"` (OpenID Connect RP-Initiated Logout 1.0 §2) — when there is
 * one, else to the signed-out page. A session made on another origin is left alone (its cookie is
 * expired here). Only a same-origin POST is obeyed (Fetch Metadata, else the Origin
 * header), so another site cannot sign a user out.
 */
export async function logout(request: Request, rt: Runtime, state: IsolateState): Promise<Response> {
  const startedAt = rt.now();
  const url = new URL(request.url);
  if (!isSameOriginRequest(request, url.origin))
    return confirmSignOutPage(403, await signOutFormOrigins(rt, state));

  const { config, secrets, sessions } = state;
  const scheme = cookieScheme(url, config.session.cookieName);
  const cookies = parseCookies(request.headers.get("cookie"));
  const sessionCookie = cookies.get(scheme.session);
  const handle =
    sessionCookie && secrets
      ? await readSessionCookie(sessionCookie, secrets, state.verifiedCookies)
      : undefined;
  let idToken: string | undefined;
  let sub: string | undefined;
  const loaded = handle ? await sessions.load(rt, handle, { fresh: true }) : undefined;
  // A session made on another site of this deployment is not this site's to end: only the cookie goes.
  const foreign =
    loaded?.ok === true && loaded.value !== undefined && !sessionMadeOn(loaded.value, url.origin);
  if (handle && !foreign) {
    if (loaded?.ok && loaded.value) {
      idToken = loaded.value.idToken;
      sub = loaded.value.claims.sub as string;
    }
    await sessions.remove(rt, handle);
  }
  if (idToken !== undefined) await refuseFromNowOn(idToken, rt, state);

  const signedOutUrl = `${url.origin}${AUTH_PATHS.signedOut}`;
  let location = signedOutUrl;
  const discovery = idToken === undefined ? undefined : await state.keys.discovery(rt);
  if (idToken !== undefined && discovery?.ok && discovery.value.end_session_endpoint) {
    const endSession = new URL(discovery.value.end_session_endpoint);
    // The hint puts the token in the browser's history and the provider's logs: only when asked for.
    if (config.login.logoutHint === "id_token_hint") endSession.searchParams.set("id_token_hint", idToken);
    endSession.searchParams.set("post_logout_redirect_uri", signedOutUrl);
    endSession.searchParams.set("client_id", config.clientId);
    location = endSession.href;
  }

  const response = redirect(303, location);
  if (sessionCookie !== undefined)
    response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
  for (const name of transactionCookieNames(cookies, scheme))
    response.headers.append("set-cookie", expireCookie(name, scheme.secure));
  recordDecision(rt, state.config.observe, {
    requestId: requestIdOf(request),
    route: AUTH_PATHS.logout,
    outcome: "logout",
    status: 303,
    credential: "session",
    ...(sub === undefined ? {} : { sub }),
    ...(handle === undefined ? { reason: "no_session" } : {}),
    durationMs: rt.now() - startedAt,
  });
  return response;
}

/**
 * The signed-out session's ID token stops opening pages, as a bearer token and as the session's own:
 * in this isolate at once (its revocation view and verified-token cache), elsewhere within the
 * revocation fence's interval (or once they list it from KV). Refused until its `exp` plus the clock
 * leeway the verifier grants. A failed write is logged; the user is signed out regardless.
 */
export async function refuseFromNowOn(idToken: string, rt: Runtime, state: IsolateState): Promise<void> {
  const { config } = state;
  const nowSeconds = rt.now() / 1000;
  const expiresAt = storedTokenExpiry(idToken) ?? nowSeconds + config.maxTokenLifetimeSeconds;
  const untilSeconds = expiresAt + config.clockLeewaySeconds;
  if (untilSeconds <= nowSeconds) return;
  state.verifiedTokens.forget(idToken);
  await recordSessionEnd(rt, state, {
    tokens: [{ fingerprint: await tokenFingerprint(idToken), untilSeconds }],
  });
}

/** Whether a state-changing request comes from this site's own pages. */
export function isSameOriginRequest(request: Request, siteOrigin: string): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site === "same-origin";
  return request.headers.get("origin") === siteOrigin;
}

/**
 * Where a sign-out form may lead besides this site: the provider's logout endpoint, which the POST
 * redirects to (CSP `form-action` also governs redirects after a form submission).
 */
export async function signOutFormOrigins(rt: Runtime, state: IsolateState): Promise<string[]> {
  const discovery = await state.keys.discovery(rt);
  const endpoint = discovery.ok ? discovery.value.end_session_endpoint : undefined;
  return endpoint ? [new URL(endpoint).origin] : [];
}
