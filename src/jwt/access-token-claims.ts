import { ok, type Result } from "../result.ts";
import {
  audienceList,
  type CheckedClaims,
  type ClaimFailure,
  checkSubject,
  checkTokenTimes,
  invalid,
  mismatch,
  missing,
} from "./claims.ts";

/** What an access token's claims must satisfy (RFC 9068 §4). */
export interface AccessTokenExpectations {
  readonly issuer: string;
  /** `aud` must contain one of these: the resource indicators of the APIs behind the route. */
  readonly audiences: readonly string[];
  readonly clockLeewaySeconds: number;
  readonly maxTokenLifetimeSeconds: number;
  /**
   * "at+jwt": the issuer follows RFC 9068, so `client_id` (§2.2) is required. "any": a provider that
   * does not (Auth0 says `azp`, Okta `cid`, Entra ID `azp`/`appid`), so it is not.
   */
  readonly profile: "at+jwt" | "any";
}

/**
 * Applies RFC 9068 §4 to the claims of a JWT access token whose signature verified: `iss` exactly the
 * issuer, `aud` containing one of the issuer's audiences (other audiences may be listed: a token may
 * be valid for several resource servers), `exp` not passed, `iat` and `sub` present (§2.2), and
 * `client_id` a string (required under RFC 9068). Times as for ID tokens.
 */
export function checkAccessTokenClaims(
  claims: Readonly<Record<string, unknown>>,
  expect: AccessTokenExpectations,
  now: number,
): Result<CheckedClaims, ClaimFailure> {
  if (claims.iss === undefined) return missing("iss");
  if (claims.iss !== expect.issuer) return mismatch("iss");

  const audiences = audienceList(claims.aud);
  if (!audiences.ok) return audiences;
  if (!audiences.value.some((a) => expect.audiences.includes(a)))
    return mismatch("aud", "names none of the issuer's audiences");

  const times = checkTokenTimes(claims, expect, now);
  if (!times.ok) return times;

  const subject = checkSubject(claims);
  if (!subject.ok) return subject;

  const clientId = claims.client_id;
  if (clientId === undefined) {
    if (expect.profile === "at+jwt") return missing("client_id");
  } else if (typeof clientId !== "string" || clientId.length === 0)
    return invalid("client_id", "not a non-empty string");

  return ok({
    iss: expect.issuer,
    sub: subject.value,
    exp: times.value.exp,
    iat: times.value.iat,
    all: claims,
  });
}
