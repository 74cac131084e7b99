import { judgePath } from "../policy/match-route.ts";
import { RouteTable } from "../policy/route-table.ts";
import type { RoutePolicy } from "./config.ts";
import type { ConfigProblem } from "./problem.ts";

/**
 * Rules that contradict each other for some origins: a rule's own path (`/exact`, or `/base` of
 * `/base/*`) that an origin reads under another rule granting other access — `/Admin/*` for admins next
 * to a public `/admin/x`, or a public exact `/docs/` next to an admins-only `/docs/*`. Every request for
 * that path would be refused as ambiguous, so the configuration is refused instead, naming both rules.
 */
export function routeConflicts(routes: readonly RoutePolicy[], defaultRoute: RoutePolicy): ConfigProblem[] {
  const table = new RouteTable(routes, defaultRoute);
  const problems: ConfigProblem[] = [];
  const fresh = freshSegment(routes);
  for (const route of routes) {
    for (const own of ownPaths(route.pattern, fresh)) {
      const judged = judgePath(table, own);
      if (judged.ok) continue;
      const { how, other, route: written } = judged.failure;
      problems.push({
        path: `AUTH_ROUTES[${route.index}].pattern`,
        message:
          `its own path ${JSON.stringify(own)}, read with ${how}, falls under ${describe(other)}, which grants other access than ${describe(written)}: ` +
          "origins that read paths so serve both as one page, so every request for it would be refused as ambiguous; " +
          "spell the two patterns alike (letter case, trailing slash) or give both rules the same access, allow and require_claims",
      });
      break;
    }
  }
  return problems;
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
