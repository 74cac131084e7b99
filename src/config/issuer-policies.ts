import { type ClaimPath, compileClaimPath, topLevelClaim } from "../policy/claim-path.ts";
import type { IssuerPolicy } from "./config.ts";
import { type IssuerEntryInput, LOGIN_ISSUER_NAME } from "./schema-issuers.ts";

/** What an issuer inherits from the global settings when its entry does not say. */
export interface IssuerDefaults {
  readonly groupsClaim: ClaimPath;
  readonly allowedAlgorithms: readonly string[];
  readonly clockLeewaySeconds: number;
}

/**
 * The sign-in issuer: ID tokens for OIDC_CLIENT_ID (plus OIDC_TRUSTED_AUDIENCES as extra audiences),
 * with `azp` checked as OIDC Core §3.1.3.7 rules 4-5 say.
 */
export function loginIssuerPolicy(
  issuer: string,
  clientId: string,
  trustedAudiences: readonly string[],
  defaults: IssuerDefaults,
): IssuerPolicy {
  return {
    name: LOGIN_ISSUER_NAME,
    issuer,
    tokenTypes: ["id_token"],
    audiences: [],
    clientIds: [clientId],
    trustedAudiences,
    checkAuthorizedParty: true,
    accessTokenTyp: "at+jwt",
    groupsClaim: defaults.groupsClaim,
    allowedAlgorithms: defaults.allowedAlgorithms,
    clockLeewaySeconds: defaults.clockLeewaySeconds,
  };
}

/**
 * An AUTH_ISSUERS entry. Its ID tokens name one of `client_ids` (or, without them, of `audiences`)
 * and no audience beyond those; `azp` is not compared, since the tokens were not issued to this
 * worker's own client (a workload token, or a token a mobile app requested for a back end).
 */
export function issuerPolicyOf(entry: IssuerEntryInput, defaults: IssuerDefaults): IssuerPolicy {
  return {
    name: entry.name,
    issuer: entry.issuer,
    tokenTypes: entry.token_types,
    audiences: entry.audiences,
    clientIds: entry.client_ids ?? entry.audiences,
    trustedAudiences: [],
    checkAuthorizedParty: false,
    accessTokenTyp: entry.access_token_typ,
    groupsClaim: entry.groups_claim === undefined ? defaults.groupsClaim : groupsClaimOf(entry.groups_claim),
    allowedAlgorithms: entry.algorithms ?? defaults.allowedAlgorithms,
    clockLeewaySeconds: entry.clock_leeway_seconds ?? defaults.clockLeewaySeconds,
    ...(entry.jwks_uri === undefined ? {} : { jwksUri: entry.jwks_uri }),
  };
}

/** A claim name the schema has checked (a pointer that compiles); a top-level name otherwise. */
export function groupsClaimOf(name: string): ClaimPath {
  const compiled = compileClaimPath(name);
  return compiled.ok ? compiled.path : topLevelClaim(name);
}

/** A route's issuers by their exact `iss`: the names it lists (or "login"), those that exist. */
export function acceptedIssuersOf(
  names: readonly string[],
  issuersByName: ReadonlyMap<string, IssuerPolicy>,
): ReadonlyMap<string, IssuerPolicy> {
  const accepted = new Map<string, IssuerPolicy>();
  for (const name of names) {
    const policy = issuersByName.get(name);
    if (policy) accepted.set(policy.issuer, policy);
  }
  return accepted;
}
