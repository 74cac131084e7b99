import type { TokenType } from "./config/config.ts";
import type { ClaimPath } from "./policy/claim-path.ts";
import { type JsonType, readBooleanClaim, readGroupsClaim, readStringClaim } from "./policy/claim-types.ts";
import { groupsWithheld } from "./policy/groups-overage.ts";

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
 * Claims whose signature and rules were checked, with `iss`, `sub` and `exp` as those checks read them
 * (jwt/claims.ts `CheckedClaims`; a session's, as its record keeps them).
 */
export interface VerifiedClaims {
  readonly iss: string;
  readonly sub: string;
  /** Seconds since the epoch. */
  readonly exp: number;
  readonly all: Readonly<Record<string, unknown>>;
}

/**
 * Seals checked claims into an identity, reading each optional claim by its one typing rule
 * (src/policy/claim-types.ts). Call it only with claims whose signature and rules were checked.
 */
export function sealVerifiedIdentity(
  checked: VerifiedClaims,
  groupsClaim: ClaimPath,
  source: IdentitySource = LOGIN_ID_TOKEN,
): VerifiedIdentity {
  return new VerifiedIdentity(checked, groupsClaim, source);
}

/**
 * Who the caller is, proven: made only by `sealVerifiedIdentity`, from claims the verifier (or the
 * session store, which keeps what it verified) checked, so unverified claims can never reach origin
 * headers by mistake. The class is not exported, only its type, and its brand is a symbol no other
 * module can name: nothing else can construct one, and an object literal does not pass for one.
 */
class VerifiedIdentity {
  declare readonly [verified]: true;
  readonly issuer: string;
  readonly issuerName: string;
  readonly tokenType: TokenType;
  readonly sub: string;
  /** The `email` claim when it is a string; absent or of another type, undefined. */
  readonly email: string | undefined;
  /** The `email_verified` claim when it is a boolean; absent or of another type, undefined. */
  readonly emailVerified: boolean | undefined;
  readonly name: string | undefined;
  /** The groups claim when it is an array of strings or one string; otherwise none. */
  readonly groups: readonly string[];
  /**
   * The provider left the `groups` claim out because the user is in too many groups and says so
   * (Entra ID's group overage: `_claim_names.groups` or `hasgroups: true`): a rule on groups cannot
   * be decided from this token.
   */
  readonly groupsWithheld: boolean;
  /**
   * The claims read for identity and policy (`email`, `email_verified`, `name`, the groups claim) that
   * are present with the wrong JSON type, and the type found: they count as absent, and a route
   * refusal they caused says so in the log.
   */
  readonly wrongTypes: Readonly<Record<string, JsonType>>;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  readonly claims: Readonly<Record<string, unknown>>;

  constructor(checked: VerifiedClaims, groupsClaim: ClaimPath, source: IdentitySource) {
    const claims = checked.all;
    const wrongTypes: Record<string, JsonType> = {};
    const email = readStringClaim(claims, "email");
    const emailVerified = readBooleanClaim(claims, "email_verified");
    const name = readStringClaim(claims, "name");
    const groups = readGroupsClaim(claims, groupsClaim);
    // One test per claim, no array of pairs: this runs for every identity on the request path.
    if (email.kind === "wrong_type") wrongTypes.email = email.found;
    if (emailVerified.kind === "wrong_type") wrongTypes.email_verified = emailVerified.found;
    if (name.kind === "wrong_type") wrongTypes.name = name.found;
    if (groups.kind === "wrong_type") wrongTypes[groupsClaim.name] = groups.found;
    this.issuer = checked.iss;
    this.issuerName = source.issuerName;
    this.tokenType = source.tokenType;
    this.sub = checked.sub;
    this.email = email.kind === "value" ? email.value : undefined;
    this.emailVerified = emailVerified.kind === "value" ? emailVerified.value : undefined;
    this.name = name.kind === "value" ? name.value : undefined;
    this.groups = groups.kind === "value" ? groups.value : [];
    this.groupsWithheld = groupsWithheld(claims);
    this.wrongTypes = wrongTypes;
    this.expiresAt = checked.exp;
    this.claims = claims;
  }
}

export type { VerifiedIdentity };
