import type { ClaimName, FailureReason } from "../failure.ts";
import type { VerifiedClaims } from "../identity.ts";
import { fail, ok, type Result } from "../result.ts";

/** What an ID Token's claims must satisfy; the login callback adds `nonce` and `maxAgeSeconds`. */
export interface ClaimExpectations {
  readonly issuer: string;
  /** `aud` must contain one of these (the sign-in issuer: OIDC_CLIENT_ID alone). */
  readonly clientIds: readonly string[];
  /** Audiences allowed besides the client id. */
  readonly trustedAudiences: readonly string[];
  /** Rules 4-5 (`azp`): checked for the sign-in client; not for tokens issued to other clients. */
  readonly checkAuthorizedParty: boolean;
  readonly clockLeewaySeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  readonly nonce?: string;
  readonly maxAgeSeconds?: number;
}

/** Claims that passed every rule; the numbers are finite seconds since the epoch. */
export interface CheckedClaims extends VerifiedClaims {
  readonly iat: number;
}

export interface ClaimFailure {
  readonly reason: FailureReason;
  readonly detail: string;
}

const MAX_SUB_LENGTH = 255; // OIDC Core §2: sub "MUST NOT exceed 255 ASCII characters"

/**
 * Applies the ID Token validation rules of OIDC Core §3.1.3.7 (and RFC 7519 §4.1) to claims whose
 * signature has been checked. Times are numbers, never strings; `now` is seconds since the epoch.
 */
export function checkIdTokenClaims(
  claims: Readonly<Record<string, unknown>>,
  expect: ClaimExpectations,
  now: number,
): Result<CheckedClaims, ClaimFailure> {
  const leeway = expect.clockLeewaySeconds;

  // §3.1.3.7 rule 2: iss MUST exactly match the issuer (no trailing-slash or case folding).
  if (claims.iss === undefined) return missing("iss");
  if (claims.iss !== expect.issuer) return mismatch("iss");

  const subject = checkSubject(claims);
  if (!subject.ok) return subject;
  const sub = subject.value;

  // §3.1.3.7 rule 3: aud MUST contain client_id; extra audiences must be trusted.
  const audiences = audienceList(claims.aud);
  if (!audiences.ok) return audiences;
  if (!audiences.value.some((a) => expect.clientIds.includes(a))) return mismatch("aud");
  const untrusted = audiences.value.filter(
    (a) => !expect.clientIds.includes(a) && !expect.trustedAudiences.includes(a),
  );
  if (untrusted.length > 0) return mismatch("aud", "an extra audience is not trusted");

  // §3.1.3.7 rules 4-5: with several audiences azp must be present; when present it must be us.
  if (expect.checkAuthorizedParty) {
    const azp = claims.azp;
    if (audiences.value.length > 1 && azp === undefined) return missing("azp");
    if (azp !== undefined && !expect.clientIds.includes(azp as string)) return mismatch("azp");
  }

  const times = checkTokenTimes(claims, expect, now);
  if (!times.ok) return times;
  const { exp, iat } = times.value;

  // §3.1.3.7 rule 11: nonce must equal the value sent in the authentication request.
  if (expect.nonce !== undefined) {
    if (claims.nonce === undefined) return missing("nonce");
    if (claims.nonce !== expect.nonce) return mismatch("nonce");
  }

  // §3.1.3.7 rule 13: with max_age, auth_time is required and bounds the authentication's age.
  if (expect.maxAgeSeconds !== undefined) {
    const authTime = claims.auth_time;
    if (authTime === undefined) return missing("auth_time");
    if (!isTime(authTime)) return invalid("auth_time", "not a finite number");
    if (now > authTime + expect.maxAgeSeconds + leeway)
      return invalid("auth_time", "authentication is older than max_age");
  }

  return ok({ iss: expect.issuer, sub, exp, iat, all: claims });
}

/**
 * `aud` as a list (RFC 7519 §4.1.3: a string or an array of strings), or the failure that it is
 * missing or of another shape.
 */
export function audienceList(aud: unknown): Result<readonly string[], ClaimFailure> {
  if (aud === undefined) return missing("aud");
  const audiences = typeof aud === "string" ? [aud] : aud;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === "string"))
    return invalid("aud", "not a string or a non-empty array of strings");
  return ok(audiences);
}

/**
 * The time rules every token shares: `exp` required and not passed (RFC 7519 §4.1.4), and not further
 * ahead than the longest lifetime allowed; `iat` required and not in the future; `nbf` passed (§4.1.5).
 * Each with the issuer's clock leeway.
 */
export function checkTokenTimes(
  claims: Readonly<Record<string, unknown>>,
  expect: { readonly clockLeewaySeconds: number; readonly maxTokenLifetimeSeconds: number },
  now: number,
): Result<{ exp: number; iat: number }, ClaimFailure> {
  const leeway = expect.clockLeewaySeconds;
  const exp = claims.exp;
  if (exp === undefined) return missing("exp");
  if (!isTime(exp)) return invalid("exp", "not a finite number");
  if (now >= exp + leeway)
    return fail({ reason: "expired", detail: `expired ${Math.round(now - exp)}s ago` });
  if (exp - now > expect.maxTokenLifetimeSeconds) return invalid("exp", "too far in the future");

  const iat = claims.iat;
  if (iat === undefined) return missing("iat");
  if (!isTime(iat)) return invalid("iat", "not a finite number");
  if (iat > now + leeway) return invalid("iat", "issued in the future");

  const nbf = claims.nbf;
  if (nbf !== undefined) {
    if (!isTime(nbf)) return invalid("nbf", "not a finite number");
    if (nbf > now + leeway)
      return fail({ reason: "not_yet_valid", detail: `valid in ${Math.round(nbf - now)}s` });
  }
  return ok({ exp, iat });
}

/** OIDC Core §2: sub "MUST NOT exceed 255 ASCII characters"; RFC 9068 §2.2 requires it too. */
export function checkSubject(claims: Readonly<Record<string, unknown>>): Result<string, ClaimFailure> {
  const sub = claims.sub;
  if (sub === undefined) return missing("sub");
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUB_LENGTH)
    return invalid("sub", "not a non-empty string of at most 255 characters");
  return ok(sub);
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

export function missing(claim: ClaimName): { ok: false; failure: ClaimFailure } {
  return fail({ reason: `claim_missing:${claim}`, detail: `${claim} is missing` });
}

export function invalid(claim: ClaimName, why: string): { ok: false; failure: ClaimFailure } {
  return fail({ reason: `claim_invalid:${claim}`, detail: `${claim} ${why}` });
}

export function mismatch(claim: ClaimName, why = "does not match"): { ok: false; failure: ClaimFailure } {
  return fail({ reason: `claim_mismatch:${claim}`, detail: `${claim} ${why}` });
}
