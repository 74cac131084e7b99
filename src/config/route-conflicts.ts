import { HostRoutes } from "../policy/host-routes.ts";
import { judgePath, type PathConflict } from "../policy/match-route.ts";
import type { RoutePolicy } from "./config.ts";
import type { ConfigProblem } from "./problem.ts";

/**
 * Rules that contradict each other for some origins: a rule's own path (`/exact`, or `/base` of
 * `/base/*`) that an origin reads under another rule granting other access — `/Admin/*` for admins next
 * to a public `/admin/x`, or a public exact `/docs/` next to an admins-only `/docs/*`. Every request for
 * that path would be refused as ambiguous, so the configuration is refused instead, naming both rules.
 * Rules are judged among the rules of each host (`HostRoutes`), so two rules for different hosts never
 * conflict; each rule is reported once, for the first set of hosts where it conflicts.
 */
export function routeConflicts(routes: readonly RoutePolicy[], defaultRoute: RoutePolicy): ConfigProblem[] {
  const found = new Map<RoutePolicy, ConfigProblem>();
  const fresh = freshSegment(routes);
  const scopes = new HostRoutes(routes, defaultRoute).scopes;
  for (const { name, table, routes: inScope } of scopes) {
    const where = scopes.length === 1 ? "" : ` on ${name}`;
    for (const route of inScope) {
      if (found.has(route)) continue;
      for (const own of ownPaths(route.pattern, fresh)) {
        const judged = judgePath(table, own);
        if (judged.ok) continue;
        found.set(route, conflictProblem(route, own, judged.failure, where));
        break;
      }
    }
  }
  return routes.flatMap((route) => found.get(route) ?? []);
}

function conflictProblem(
  route: RoutePolicy,
  own: string,
  conflict: PathConflict,
  where: string,
): ConfigProblem {
  const { how, other, route: written } = conflict;
  return {
    path: `AUTH_ROUTES[${route.index}].pattern`,
    message:
      `its own path ${JSON.stringify(own)}${where}, read with ${how}, falls under ${describe(other)}, which grants other access than ${describe(written)}: ` +
      "origins that read paths so serve both as one page, so every request for it would be refused as ambiguous; " +
      "spell the two patterns alike (letter case, trailing slash) or give both rules the same access, allow, require_claims, issuers and require_scopes",
  };
}

/** `/exact`; for `/base/*`, `/base` and a path below it that no other pattern names. */
function ownPaths(pattern: string, fresh: string): string[] {
  if (pattern === "*") return [];
  if (pattern.endsWith("/*")) return [pattern.slice(0, -2) || "/", `${pattern.slice(0, -1)}${fresh}`];
  return [pattern];
}

/** A segment that no pattern has, in any letter case. */
function freshSegment(routes: readonly RoutePolicy[]): string {
  const used = new Set(routes.flatMap((route) => route.pattern.toLowerCase().split("/")));
  let fresh = "x";
  while (used.has(fresh)) fresh += "x";
  return fresh;
}

function describe(route: RoutePolicy): string {
  return route.index === -1
    ? "the default rule"
    : `AUTH_ROUTES[${route.index}] (${JSON.stringify(route.pattern)})`;
}
