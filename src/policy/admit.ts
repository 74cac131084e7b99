import type { RoutePolicy } from "../config/config.ts";
import type { VerifiedIdentity } from "../identity.ts";

/**
 * Whether a route admits a verified identity. `allow` admits on any match (a listed group, a listed
 * email, an email in a listed domain); email rules never match an email the provider marked
 * unverified (`email_verified: false`). Every `require_claims` entry must equal the claim exactly.
 */
export function admits(route: RoutePolicy, identity: VerifiedIdentity): boolean {
  for (const [claim, expected] of Object.entries(route.requireClaims)) {
    if (identity.claims[claim] !== expected) return false;
  }
  const allow = route.allow;
  if (!allow) return true;
  if (allow.groups.some((group) => identity.groups.includes(group))) return true;
  const email = identity.emailVerified === false ? undefined : identity.email?.toLowerCase();
  if (email === undefined) return false;
  if (allow.emails.includes(email)) return true;
  const at = email.lastIndexOf("@");
  return at > 0 && allow.emailDomains.includes(email.slice(at + 1));
}
