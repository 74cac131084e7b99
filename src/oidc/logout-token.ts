import type { GateConfig } from "../config/config.ts";
import { DEFAULTS } from "../config/defaults.ts";
import type { Failure } from "../failure.ts";
import type { KeySource } from "../jwks/key-source.ts";
import { parseStrictJsonObject } from "../jwt/strict-json.ts";
import { verifyJws } from "../jwt/verify-id-token.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";

/** Back-Channel Logout 1.0 §2.4: the member of `events` that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

const MAX_IDENTIFIER_LENGTH = 255; // OIDC Core §2: sub is at most 255 ASCII characters; sid likewise here

/** A logout token that passed every rule of §2.6: who or which session the provider ended. */
export interface LogoutToken {
  readonly sid?: string;
  readonly sub?: string;
  readonly jti: string;
  readonly iat: number;
  /** Until when (seconds) this token could be accepted: its `jti` must be remembered that long. */
  readonly acceptableUntil: number;
}

export interface LogoutTokenExpectations {
  readonly issuer: string;
  readonly clientId: string;
  readonly clockLeewaySeconds: number;
  readonly maxAgeSeconds: number;
}

/**
 * §2.4 explicit typing: the header's `typ`, when present, must be `logout+jwt` (RFC 7515 §4.1.9: the
 * `application/` prefix may be left out, and media types compare without regard to case). Any other
 * explicit type — `JWT` (an ID token), `at+jwt`, `dpop+jwt` — says the token is something else.
 */
export function isLogoutTokenType(typ: unknown): boolean {
  if (typeof typ !== "string") return false;
  const type = typ.toLowerCase();
  return type === "logout+jwt" || type === "application/logout+jwt";
}

/**
 * Verifies a logout token (Back-Channel Logout 1.0 §2.6): a strict compact JWS signed with one of the
 * issuer's keys under the algorithm allow-list (steps 1–3; never encrypted, never `alg: none`), `typ`
 * `logout+jwt` when present (§2.4), then the claims (`checkLogoutTokenClaims`). A key that cannot be
 * had is `unavailable`; anything else is `logout_token_invalid` with a log-only detail.
 */
export async function verifyLogoutToken(
  token: string,
  config: Pick<
    GateConfig,
    "maxTokenBytes" | "allowedAlgorithms" | "issuer" | "clientId" | "clockLeewaySeconds"
  >,
  keys: KeySource,
  rt: Runtime,
): Promise<Result<LogoutToken, Failure>> {
  const jws = await verifyJws(token, config, keys, rt, isLogoutTokenType);
  if (!jws.ok) {
    const failure = jws.failure;
    if (failure.kind === "unavailable") return fail(failure);
    return invalid(`${failure.reason}${failure.detail === undefined ? "" : `: ${failure.detail}`}`);
  }
  const payload = parseStrictJsonObject(jws.value.payloadBytes);
  if (!payload) return invalid("payload is not a JSON object (or repeats a key)");
  const checked = checkLogoutTokenClaims(
    payload,
    {
      issuer: config.issuer,
      clientId: config.clientId,
      clockLeewaySeconds: config.clockLeewaySeconds,
      maxAgeSeconds: DEFAULTS.logoutTokenMaxAgeSeconds,
    },
    rt.now() / 1000,
  );
  return checked.ok ? checked : invalid(checked.failure);
}

/**
 * The claim rules of Back-Channel Logout 1.0 §2.6 steps 3–9 (and RFC 7519 §4.1) for a payload whose
 * signature verified: `iss` is the issuer exactly; `aud` is or contains the client id; `iat` is
 * present, not in the future and not older than `maxAgeSeconds` (both with the clock leeway); `exp`,
 * when present, not passed; `jti` a non-empty string; `events` an object whose back-channel member
 * is a JSON object; `sid` and/or `sub` (non-empty strings); and no `nonce` (§2.4: that keeps an ID
 * token from passing for a logout token). Returns the log-only reason of the first rule broken.
 */
export function checkLogoutTokenClaims(
  claims: Readonly<Record<string, unknown>>,
  expect: LogoutTokenExpectations,
  nowSeconds: number,
): Result<LogoutToken, string> {
  const leeway = expect.clockLeewaySeconds;
  if (claims.iss === undefined) return fail("iss is missing");
  if (claims.iss !== expect.issuer) return fail("iss is not the issuer");

  const aud = claims.aud;
  if (aud === undefined) return fail("aud is missing");
  const audiences = typeof aud === "string" ? [aud] : aud;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === "string"))
    return fail("aud is not a string or a non-empty array of strings");
  if (!audiences.includes(expect.clientId)) return fail("aud does not contain the client id");

  const iat = claims.iat;
  if (iat === undefined) return fail("iat is missing");
  if (!isTime(iat)) return fail("iat is not a finite number");
  if (iat > nowSeconds + leeway) return fail("iat is in the future");
  if (iat < nowSeconds - expect.maxAgeSeconds - leeway) return fail("iat is too old");

  const exp = claims.exp;
  if (exp !== undefined) {
    if (!isTime(exp)) return fail("exp is not a finite number");
    if (nowSeconds >= exp + leeway) return fail("expired");
  }
  const nbf = claims.nbf;
  if (nbf !== undefined && (!isTime(nbf) || nbf > nowSeconds + leeway)) return fail("nbf is not passed");

  const jti = claims.jti;
  if (jti === undefined) return fail("jti is missing");
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_IDENTIFIER_LENGTH)
    return fail("jti is not a non-empty string of at most 255 characters");

  const events = claims.events;
  if (events === undefined) return fail("events is missing");
  if (!isObject(events)) return fail("events is not a JSON object");
  if (!Object.hasOwn(events, BACKCHANNEL_LOGOUT_EVENT))
    return fail("events has no back-channel logout member");
  if (!isObject(events[BACKCHANNEL_LOGOUT_EVENT]))
    return fail("the back-channel logout event is not a JSON object");

  const sid = claims.sid;
  const sub = claims.sub;
  if (sid === undefined && sub === undefined) return fail("neither sid nor sub is present");
  if (sid !== undefined && !isIdentifier(sid))
    return fail("sid is not a non-empty string of at most 255 characters");
  if (sub !== undefined && !isIdentifier(sub))
    return fail("sub is not a non-empty string of at most 255 characters");

  if ("nonce" in claims) return fail("nonce is present");

  const windowEnd = iat + expect.maxAgeSeconds;
  const acceptableUntil = (exp === undefined ? windowEnd : Math.min(exp, windowEnd)) + leeway;
  return ok({
    ...(sid === undefined ? {} : { sid: sid as string }),
    ...(sub === undefined ? {} : { sub: sub as string }),
    jti,
    iat,
    acceptableUntil,
  });
}

function isIdentifier(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value !== "" &&
    value.length <= MAX_IDENTIFIER_LENGTH &&
    !hasControlCharacter(value)
  );
}

/** Whether text holds a C0 control character or DEL: no identifier of a provider does. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(detail: string): { ok: false; failure: Failure } {
  return fail({ kind: "logout_refused", reason: "logout_token_invalid", detail });
}
