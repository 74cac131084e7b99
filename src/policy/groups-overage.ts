import { hasClaim } from "./claim-types.ts";

/**
 * Entra ID's group overage: past a limit (200 groups in a JWT, 150 in SAML, 6 in the implicit flow)
 * it leaves the `groups` claim out and says so, with `_claim_names: { groups: "src1" }` (a distributed
 * claim, OIDC Core §5.6.2) or `hasgroups: true`. Such a token cannot decide a rule on `groups`.
 * Only own members count, and only when `groups` itself is absent.
 */
export function groupsWithheld(claims: Readonly<Record<string, unknown>>): boolean {
  if (hasClaim(claims, OVERAGE_CLAIM)) return false;
  if (claims.hasgroups === true && hasClaim(claims, "hasgroups")) return true;
  const names = hasClaim(claims, "_claim_names") ? claims._claim_names : undefined;
  return (
    typeof names === "object" &&
    names !== null &&
    !Array.isArray(names) &&
    Object.hasOwn(names, OVERAGE_CLAIM)
  );
}

/** The claim a provider may withhold for overage. */
export const OVERAGE_CLAIM = "groups";
