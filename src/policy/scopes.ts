import type { RoutePolicy } from "../config/config.ts";
import type { Failure } from "../failure.ts";
import type { VerifiedIdentity } from "../identity.ts";

/** The scopes a token grants, and why some of its claims granted none (for the log). */
export interface GrantedScopes {
  readonly scopes: ReadonlySet<string>;
  readonly problem?: string;
}

/**
 * The scopes of a verified token: `scope`, a space-separated string (RFC 9068 §2.2.3, RFC 8693 §4.2),
 * and `scp`, a list of strings (Okta) or a space-separated string (Entra ID). A claim of another shape
 * grants nothing, and says so.
 */
export function grantedScopes(claims: Readonly<Record<string, unknown>>): GrantedScopes {
  const scopes = new Set<string>();
  const problems: string[] = [];
  const add = (name: string, value: unknown) => {
    if (value === undefined) return;
    if (typeof value === "string") {
      for (const scope of value.split(" ")) if (scope !== "") scopes.add(scope);
    } else if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      for (const scope of value) scopes.add(scope);
    } else problems.push(`${name} is neither a string nor a list of strings`);
  };
  add("scope", claims.scope);
  add("scp", claims.scp);
  return problems.length === 0 ? { scopes } : { scopes, problem: problems.join("; ") };
}

/**
 * The route's `require_scopes` against a verified identity: every scope must be granted. A miss is a
 * 403 `insufficient_scope` naming the required scopes (RFC 6750 §3.1); undefined when all are there.
 */
export function checkRequiredScopes(
  route: Pick<RoutePolicy, "requireScopes">,
  identity: VerifiedIdentity,
): Failure | undefined {
  if (route.requireScopes.length === 0) return undefined;
  const granted = grantedScopes(identity.claims);
  const missing = route.requireScopes.filter((scope) => !granted.scopes.has(scope));
  if (missing.length === 0) return undefined;
  const detail = `missing ${missing.join(" ")}${granted.problem ? ` (${granted.problem})` : ""}`;
  return {
    kind: "forbidden",
    reason: "insufficient_scope",
    detail: detail.length > 200 ? `${detail.slice(0, 200)}…` : detail,
    requiredScopes: route.requireScopes,
  };
}
