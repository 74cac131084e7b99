import type { RoutePolicy } from "../config/config.ts";
import type { VerifiedIdentity } from "../identity.ts";

/** Where the assertion is issued and for whom. */
export interface AssertionContext {
  /** The site's origin (scheme://host of the request): the assertion's `iss`. */
  readonly siteOrigin: string;
  /** The origin the request goes to (ORIGIN_URL's origin, else the site's): the default `aud`. */
  readonly destinationOrigin: string;
  readonly route: RoutePolicy;
}

export interface GroupLimits {
  readonly maxGroups: number;
  /** Budget for the group names together, in UTF-8 bytes. */
  readonly maxGroupsBytes: number;
}

/**
 * The claims of an assertion without its times, in the order they are serialised. Two requests get
 * the same claim set exactly when the same identity passes the same route for the same audience at
 * the same site, so its JSON text is also the key under which a signed assertion is reused.
 */
export interface AssertionClaimSet {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups: readonly string[];
  /** Present (true) when groups were left out to keep the assertion small. */
  readonly groups_truncated?: true;
  /** The provider that issued the identity (the ID token's `iss`). */
  readonly idp_iss: string;
  /** The pattern of the route rule that admitted the request. */
  readonly route: string;
}

/** Builds the claim set from a verified identity only; groups beyond the limits are left out and marked. */
export function assertionClaimSet(
  identity: VerifiedIdentity,
  context: AssertionContext,
  limits: GroupLimits,
): AssertionClaimSet {
  const { groups, truncated } = boundGroups(identity.groups, limits);
  return {
    iss: context.siteOrigin,
    aud: context.route.assertionAudience ?? context.destinationOrigin,
    sub: identity.sub,
    ...(identity.email === undefined ? {} : { email: identity.email }),
    ...(identity.name === undefined ? {} : { name: identity.name }),
    groups,
    ...(truncated ? { groups_truncated: true as const } : {}),
    idp_iss: identity.issuer,
    route: context.route.pattern,
  };
}

/**
 * The groups in the provider's order, as many as fit: at most `maxGroups`, and their names together at
 * most `maxGroupsBytes` (UTF-8). The first group that does not fit ends the list, so what is kept is
 * always a prefix of what the provider sent.
 */
export function boundGroups(
  groups: readonly string[],
  limits: GroupLimits,
): { readonly groups: readonly string[]; readonly truncated: boolean } {
  let bytes = 0;
  let kept = 0;
  for (const group of groups) {
    if (kept === limits.maxGroups) break;
    bytes += utf8Length(group);
    if (bytes > limits.maxGroupsBytes) break;
    kept++;
  }
  return kept === groups.length
    ? { groups, truncated: false }
    : { groups: groups.slice(0, kept), truncated: true };
}

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  // Printable ASCII names, the usual case, need no encoding to be measured.
  return /[^\x20-\x7e]/.test(text) ? encoder.encode(text).length : text.length;
}
