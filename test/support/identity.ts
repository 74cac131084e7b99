import {
  type IdentitySource,
  LOGIN_ID_TOKEN,
  sealVerifiedIdentity,
  type VerifiedIdentity,
} from "../../src/identity.ts";
import type { ClaimPath } from "../../src/policy/claim-path.ts";

/** An identity from claims a test takes as checked (its `iss`, `sub` and `exp` as they are). */
export function identityOf(
  claims: Readonly<Record<string, unknown>>,
  groupsClaim: ClaimPath,
  source: IdentitySource = LOGIN_ID_TOKEN,
): VerifiedIdentity {
  const checked = {
    iss: claims.iss as string,
    sub: claims.sub as string,
    exp: claims.exp as number,
    all: claims,
  };
  return sealVerifiedIdentity(checked, groupsClaim, source);
}
