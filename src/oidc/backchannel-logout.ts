import { AUTH_PATHS } from "../config/defaults.ts";
import type { Failure } from "../failure.ts";
import type { IsolateState } from "../isolate-state.ts";
import { recordDecision } from "../observe/decision-log.ts";
import { requestIdOf } from "../observe/request-id.ts";
import type { Runtime } from "../platform.ts";
import { respondToFailure } from "../respond/failure-response.ts";
import { NO_STORE } from "../respond/no-store.ts";
import { fail, ok, type Result } from "../result.ts";
import { withoutRevokedKeys } from "../revocation/check-revocation.ts";
import { endSessions } from "../session/end-sessions.ts";
import { type LogoutToken, verifyLogoutToken } from "./logout-token.ts";

const FORM_TYPE = "application/x-www-form-urlencoded";

/**
 * POST /auth/backchannel-logout (OpenID Connect Back-Channel Logout 1.0), the provider's
 * `backchannel_logout_uri`: a form with one `logout_token` (§2.5), validated per §2.6
 * (logout-token.ts), refused when its `jti` was seen before; then every session of its `sid` — or of
 * its `sub` when it names no `sid` — ends (§2.7, end-sessions.ts). Answers 200 with `no-store` on
 * success, and 400 with an OAuth error JSON and `no-store` otherwise (§2.8). Nothing here redirects.
 */
export async function backchannelLogout(
  request: Request,
  rt: Runtime,
  state: IsolateState,
): Promise<Response> {
  const startedAt = rt.now();
  const { config } = state;
  const outcome = await processLogoutRequest(request, rt, state);
  const response = outcome.ok
    ? new Response(null, { status: 200, headers: { "cache-control": NO_STORE } })
    : respondToFailure({ ...outcome.failure, kind: "logout_refused" });
  const token = outcome.ok ? outcome.value.token : outcome.failure.token;
  recordDecision(rt, config.observe, {
    requestId: requestIdOf(request),
    route: AUTH_PATHS.backchannelLogout,
    outcome: outcome.ok ? "logout" : "refused",
    status: response.status,
    issuer: config.issuer,
    ...(token?.sub === undefined ? {} : { sub: token.sub }),
    ...(outcome.ok ? {} : { reason: outcome.failure.reason }),
    ...(outcome.ok || outcome.failure.detail === undefined ? {} : { detail: outcome.failure.detail }),
    durationMs: rt.now() - startedAt,
  });
  if (outcome.ok)
    rt.log({
      event: "backchannel_logout",
      issuer: config.issuer,
      by: outcome.value.token.sid === undefined ? "sub" : "sid",
      ended: outcome.value.ended,
    });
  return response;
}

type LogoutFailure = Failure & { readonly token?: LogoutToken };

async function processLogoutRequest(
  request: Request,
  rt: Runtime,
  state: IsolateState,
): Promise<Result<{ token: LogoutToken; ended: number }, LogoutFailure>> {
  const { config } = state;
  const form = await readLogoutToken(request, config.maxTokenBytes);
  if (!form.ok) return fail(invalid(form.failure));

  const revocations = await state.revocations.current(rt);
  const keys = withoutRevokedKeys(state.keys, revocations, rt.now() / 1000);
  const verified = await verifyLogoutToken(form.value, config, keys, rt);
  if (!verified.ok) return verified;
  const token = verified.value;

  const used = await state.usedLogoutTokens.wasUsed(rt, config.issuer, token.jti);
  // A KV read that fails is no reason to keep sessions alive: replaying a logout only ends sessions.
  if (!used.ok) rt.log({ event: "logout_jti_check_failed", problem: used.failure });
  else if (used.value)
    return fail({
      kind: "logout_refused",
      reason: "logout_token_replayed",
      detail: "jti seen before",
      token,
    });

  const ended = await endSessions(rt, state, {
    ...(token.sid === undefined ? {} : { sid: token.sid }),
    ...(token.sub === undefined ? {} : { sub: token.sub }),
    issuedBefore: token.iat,
  });
  if (!ended.ok)
    return fail({
      kind: "logout_refused",
      reason: "session_store_unavailable",
      detail: ended.failure,
      token,
    });
  // Only a logout carried out counts as used: the provider may send a failed one again.
  const marked = await state.usedLogoutTokens.markUsed(rt, config.issuer, token.jti, token.acceptableUntil);
  if (!marked.ok) rt.log({ event: "logout_jti_record_failed", problem: marked.failure });
  return ok({ token, ended: ended.value.ended });
}

/**
 * The `logout_token` of a form POST (§2.5): `application/x-www-form-urlencoded`, a body no larger
 * than one token may be, and exactly one non-empty `logout_token` — two would be two readings.
 */
async function readLogoutToken(request: Request, maxTokenBytes: number): Promise<Result<string, string>> {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== FORM_TYPE) return fail(`content-type is not ${FORM_TYPE}`);
  const maxBytes = maxTokenBytes + 1024;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return fail("body too large");
  const body = await request.arrayBuffer();
  if (body.byteLength > maxBytes) return fail("body too large");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return fail("body is not UTF-8");
  }
  const tokens = new URLSearchParams(text).getAll("logout_token");
  if (tokens.length !== 1)
    return fail(tokens.length === 0 ? "no logout_token" : "logout_token given more than once");
  const token = tokens[0] as string;
  return token === "" ? fail("logout_token is empty") : ok(token);
}

function invalid(detail: string): LogoutFailure {
  return { kind: "logout_refused", reason: "logout_token_invalid", detail };
}
