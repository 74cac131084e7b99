import type { GateConfig, RoutePolicy } from "../config/config.ts";
import type { Failure, FailureReason } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";
import type { ClaimPath } from "./claim-path.ts";
import { compareClaim, type RuleValue } from "./claim-types.ts";
import { OVERAGE_CLAIM } from "./groups-overage.ts";

export type AccessVerdict =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly failure: Failure };

/** What the policy needs from the configuration besides the route. */
export type ClaimRules = Pick<GateConfig, "groupsClaim" | "emailVerifiedRequired">;

const ADMITTED: AccessVerdict = { admitted: true };

/**
 * Whether a route admits a verified identity. Every `require_claims` entry must match its claim (named
 * by top-level name or JSON Pointer): a scalar claim equal to one listed value of the same JSON type,
 * or an array claim holding one. Then `allow` admits on any match: a listed group, or a listed email /
 * an email in a listed domain whose `email_verified` is the boolean `true` (absent counts as verified
 * only when `EMAIL_VERIFIED_REQUIRED` is false). A claim of the wrong JSON type never matches; when it
 * is what kept the identity out, the refusal's reason is `claim_wrong_type` (detail: which claim and
 * the type found — never its value). When the provider withheld `groups` for overage and a rule on
 * groups is what decides, the reason is `groups_overage`; otherwise `forbidden_by_policy`.
 */
export function judgeAccess(
  route: RoutePolicy,
  identity: VerifiedIdentity,
  rules: ClaimRules,
): AccessVerdict {
  for (const { claim, anyOf } of route.requireClaims) {
    const compared = compareClaim(identity.claims, claim, anyOf);
    if (compared === "match") continue;
    if (compared === "absent" && identity.groupsWithheld && readsWithheldGroups(claim))
      return refuse("groups_overage", `${claim.name}: withheld by the provider (group overage)`);
    if (typeof compared === "object")
      return refuse(
        "claim_wrong_type",
        `${claim.name}: ${compared.wrongType}, require_claims wants ${typesOf(anyOf)}`,
      );
    return refuse(
      "forbidden_by_policy",
      `${claim.name}: ${compared === "absent" ? "absent" : "different value"}`,
    );
  }
  const allow = route.allow;
  if (!allow) return ADMITTED;
  if (allow.groups.length > 0 && identity.groups.some((group) => allow.groups.includes(group)))
    return ADMITTED;

  const emailRules = allow.emails.length > 0 || allow.emailDomains.length > 0;
  const email = identity.email?.toLowerCase();
  let unverified: AccessVerdict | undefined;
  if (emailRules && email !== undefined && emailListed(allow, email)) {
    unverified = emailVerification(identity, rules.emailVerifiedRequired);
    if (unverified.admitted) return ADMITTED;
  }

  // The groups the token left out might have admitted: undecidable, and said so.
  if (allow.groups.length > 0 && identity.groupsWithheld && readsWithheldGroups(rules.groupsClaim))
    return refuse("groups_overage", `${rules.groupsClaim.name}: withheld by the provider (group overage)`);
  if (unverified) return unverified;
  const groupsName = rules.groupsClaim.name;
  const groupsType = allow.groups.length > 0 ? identity.wrongTypes[groupsName] : undefined;
  if (groupsType) return refuse("claim_wrong_type", `${groupsName}: ${groupsType}, not strings`);
  const emailType = emailRules ? identity.wrongTypes.email : undefined;
  if (emailType) return refuse("claim_wrong_type", `email: ${emailType}, not string`);
  return refuse("forbidden_by_policy");
}

/** Whether a claim path reads the claim a provider withholds for group overage (`groups`, or inside it). */
function readsWithheldGroups(claim: ClaimPath): boolean {
  return claim.tokens[0] === OVERAGE_CLAIM;
}

/** The JSON types a `require_claims` entry lists, for the log: "string", "string or number". */
function typesOf(anyOf: readonly RuleValue[]): string {
  return [...new Set(anyOf.map((value) => typeof value))].join(" or ");
}

/**
 * An email counts as verified only when the provider says `email_verified: true` (the JSON boolean):
 * `false`, `"true"`, `1`, `null` or any other type never do. A missing `email_verified` is not
 * verified unless the operator opted out with `EMAIL_VERIFIED_REQUIRED = false` (providers that never
 * send it); even then a present value other than `true` refuses.
 */
function emailVerification(identity: VerifiedIdentity, required: boolean): AccessVerdict {
  if (identity.emailVerified === true) return ADMITTED;
  const wrongType = identity.wrongTypes.email_verified;
  if (wrongType) return refuse("claim_wrong_type", `email_verified: ${wrongType}, not boolean`);
  if (identity.emailVerified === false) return refuse("forbidden_by_policy", "email_verified: false");
  return required ? refuse("forbidden_by_policy", "email_verified: absent") : ADMITTED;
}

function emailListed(allow: NonNullable<RoutePolicy["allow"]>, email: string): boolean {
  if (allow.emails.includes(email)) return true;
  const at = email.lastIndexOf("@");
  return at > 0 && allow.emailDomains.includes(email.slice(at + 1));
}

function refuse(reason: FailureReason, detail?: string): AccessVerdict {
  const failure: Failure =
    detail === undefined ? { kind: "forbidden", reason } : { kind: "forbidden", reason, detail };
  return { admitted: false, failure };
}
