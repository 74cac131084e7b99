import { AUTH_PATHS } from "../config/defaults.ts";
import { cookieScheme, expireCookie, parseCookies } from "../http/cookies.ts";
import type { IsolateState } from "../isolate-state.ts";
import { recordDecision } from "../observe/decision-log.ts";
import { requestIdOf } from "../observe/request-id.ts";
import { frontChannelLogoutPage } from "../pages/pages.ts";
import type { Runtime } from "../platform.ts";
import { endSessions } from "../session/end-sessions.ts";
import { readSessionCookie, type SessionHandle } from "../session/session-id.ts";
import { hasControlCharacter } from "./logout-token.ts";

const MAX_SID_LENGTH = 255;

/**
 * GET /auth/frontchannel-logout?iss=…&sid=… (OpenID Connect Front-Channel Logout 1.0), the provider's
 * `frontchannel_logout_uri`, which it loads in a hidden iframe when the user signs out there. `iss`
 * must be the configured issuer and `sid` present, each given once (§2: edge-auth registers with
 * `frontchannel_logout_session_required`); then every session of that `sid` ends as at back-channel
 * logout. The answer is a small page the provider's origin may frame (CSP `frame-ancestors`),
 * `no-store`, never a redirect; without a usable `iss` and `sid` it is a 400 page.
 *
 * The browser's own cookie is expired too when it belongs to that `sid` — but inside the provider's
 * cross-site iframe a `SameSite=Lax` cookie is neither sent nor set, so the server-side end by `sid`
 * is what takes effect.
 */
export async function frontchannelLogout(
  request: Request,
  rt: Runtime,
  state: IsolateState,
): Promise<Response> {
  const startedAt = rt.now();
  const { config } = state;
  const url = new URL(request.url);
  const providerOrigin = new URL(config.issuer).origin;
  const log = (
    status: number,
    extra: { reason?: "logout_request_invalid" | "session_store_unavailable"; detail?: string; sub?: string },
  ) =>
    recordDecision(rt, config.observe, {
      requestId: requestIdOf(request),
      route: AUTH_PATHS.frontchannelLogout,
      outcome: extra.reason === undefined ? "logout" : "refused",
      status,
      issuer: config.issuer,
      ...extra,
      durationMs: rt.now() - startedAt,
    });

  const issuers = url.searchParams.getAll("iss");
  const sids = url.searchParams.getAll("sid");
  const problem =
    issuers.length !== 1 || sids.length !== 1
      ? "iss and sid must each be given once"
      : issuers[0] !== config.issuer
        ? "iss is not the issuer"
        : !isSid(sids[0] as string)
          ? "sid is not a non-empty string of at most 255 characters"
          : undefined;
  if (problem !== undefined) {
    log(400, { reason: "logout_request_invalid", detail: problem });
    return frontChannelLogoutPage(400, providerOrigin);
  }
  const sid = sids[0] as string;

  const scheme = cookieScheme(url, config.session.cookieName);
  const cookie = parseCookies(request.headers.get("cookie")).get(scheme.session);
  const handle =
    cookie && state.secrets
      ? await readSessionCookie(cookie, state.secrets, state.verifiedCookies)
      : undefined;
  const browserSession = handle ? await sessionOfSid(rt, state, handle, sid) : undefined;

  const ended = await endSessions(rt, state, {
    sid,
    issuedBefore: Math.floor(rt.now() / 1000),
    ...(browserSession ? { alsoHandle: browserSession.handle } : {}),
  });
  if (!ended.ok) {
    log(503, { reason: "session_store_unavailable", detail: ended.failure });
    return frontChannelLogoutPage(503, providerOrigin);
  }
  const response = frontChannelLogoutPage(200, providerOrigin);
  if (browserSession) response.headers.append("set-cookie", expireCookie(scheme.session, scheme.secure));
  log(200, browserSession ? { sub: browserSession.sub } : {});
  rt.log({ event: "frontchannel_logout", issuer: config.issuer, ended: ended.value.ended });
  return response;
}

/** The browser's own session, if it is one of that `sid`. */
async function sessionOfSid(
  rt: Runtime,
  state: IsolateState,
  handle: SessionHandle,
  sid: string,
): Promise<{ handle: SessionHandle; sub: string } | undefined> {
  const loaded = await state.sessions.load(rt, handle, { fresh: true });
  if (!loaded.ok || !loaded.value) return undefined;
  const { iss, sid: sessionSid, sub } = loaded.value.claims;
  return iss === state.config.issuer && sessionSid === sid ? { handle, sub: String(sub) } : undefined;
}

function isSid(value: string): boolean {
  return value !== "" && value.length <= MAX_SID_LENGTH && !hasControlCharacter(value);
}
