import type { GateConfig, RoutePolicy } from "../config/config.ts";
import type { Failure, FailureReason } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";
import { compareClaim } from "./claim-types.ts";

export type AccessVerdict =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly failure: Failure };

/** What the policy needs from the configuration besides the route. */
export type ClaimRules = Pick<GateConfig, "groupsClaim" | "emailVerifiedRequired">;

const ADMITTED: AccessVerdict = { admitted: true };

/**
 * Whether a route admits a verified identity. Every `require_claims` entry must equal its claim with
 * the same JSON type and value. Then `allow` admits on any match: a listed group, or a listed email /
 * an email in a listed domain whose `email_verified` is the boolean `true` (absent counts as verified
 * only when `EMAIL_VERIFIED_REQUIRED` is false). A claim of the wrong JSON type never matches; when it
 * is what kept the identity out, the refusal's reason is `claim_wrong_type` (detail: which claim and
 * the type found — never its value), otherwise `forbidden_by_policy`.
 */
export function judgeAccess(
  route: RoutePolicy,
  identity: VerifiedIdentity,
  rules: ClaimRules,
): AccessVerdict {
  for (const [claim, expected] of Object.entries(route.requireClaims)) {
    const compared = compareClaim(identity.claims, claim, expected);
    if (compared === "equal") continue;
    if (typeof compared === "object")
      return refuse(
        "claim_wrong_type",
        `${claim}: ${compared.wrongType}, require_claims wants ${typeof expected}`,
      );
    return refuse("forbidden_by_policy", `${claim}: ${compared === "absent" ? "absent" : "different value"}`);
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

  if (unverified) return unverified;
  const groupsType = allow.groups.length > 0 ? identity.wrongTypes[rules.groupsClaim] : undefined;
  if (groupsType) return refuse("claim_wrong_type", `${rules.groupsClaim}: ${groupsType}, not strings`);
  const emailType = emailRules ? identity.wrongTypes.email : undefined;
  if (emailType) return refuse("claim_wrong_type", `email: ${emailType}, not string`);
  return refuse("forbidden_by_policy");
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
