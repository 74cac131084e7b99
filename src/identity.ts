import type { TokenType } from "./config/config.ts";

declare const verified: unique symbol;

/** Which configured issuer vouched for an identity, and with which kind of token. */
export interface IdentitySource {
  /** The issuer's name in route rules ("login" for the sign-in issuer). */
  readonly issuerName: string;
  readonly tokenType: TokenType;
}

/** Sessions and the sign-in callback: the sign-in issuer's ID tokens. */
export const LOGIN_ID_TOKEN: IdentitySource = { issuerName: "login", tokenType: "id_token" };

/**
 * Who the caller is, proven: only `verifyIdToken` (and the session store, which keeps what it verified)
 * make these, so unverified claims can never reach origin headers by mistake.
 */
export interface VerifiedIdentity {
  readonly [verified]: true;
  readonly issuer: string;
  readonly issuerName: string;
  readonly tokenType: TokenType;
  readonly sub: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * Seals claims that have passed verification into an identity. Call it only with claims whose
 * signature and rules were checked.
 */
export function sealVerifiedIdentity(
  claims: Readonly<Record<string, unknown>>,
  groupsClaim: string,
  source: IdentitySource = LOGIN_ID_TOKEN,
): VerifiedIdentity {
  const groups = claims[groupsClaim];
  return {
    issuer: claims.iss as string,
    issuerName: source.issuerName,
    tokenType: source.tokenType,
    sub: claims.sub as string,
    email: typeof claims.email === "string" ? claims.email : undefined,
    emailVerified: typeof claims.email_verified === "boolean" ? claims.email_verified : undefined,
    name: typeof claims.name === "string" ? claims.name : undefined,
    groups: Array.isArray(groups)
      ? groups.filter((g): g is string => typeof g === "string")
      : typeof groups === "string"
        ? [groups]
        : [],
    expiresAt: claims.exp as number,
    claims,
  } as unknown as VerifiedIdentity;
}
