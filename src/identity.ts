declare const verified: unique symbol;

/**
 * Who the caller is, proven: only `verifyIdToken` (and the session store, which keeps what it verified)
 * make these, so unverified claims can never reach origin headers by mistake.
 */
export interface VerifiedIdentity {
  readonly [verified]: true;
  readonly issuer: string;
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
): VerifiedIdentity {
  const groups = claims[groupsClaim];
  return {
    issuer: claims.iss as string,
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
