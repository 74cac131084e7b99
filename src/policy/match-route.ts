import type { RoutePolicy } from "../config/config.ts";
import type { Failure } from "../failure.ts";
import { fail, ok, type Result } from "../result.ts";
import type { HostRoutes } from "./host-routes.ts";
import { decodedReadings, describeReading, mayBeDecodedDifferently } from "./path-readings.ts";
import { normalisePath } from "./route-pattern.ts";
import type { RouteTable } from "./route-table.ts";

/** A reading of the path that falls under a rule granting other access than the canonical path's. */
export interface PathConflict {
  /** The rule of the canonical path. */
  readonly route: RoutePolicy;
  /** The rule of the other reading. */
  readonly other: RoutePolicy;
  /** How the other reading came about (`letter case ignored`, `escapes decoded twice`, …). */
  readonly how: string;
}

/**
 * The rule for a request's host and path, or `ambiguous_host` / `ambiguous_path`. Only the rules for
 * the host apply (`routes`, built once per configuration: rules without `host`, and those naming it). The rule is the first whose pattern matches the
 * canonical path (`normalisePath`), case-sensitively; unmatched paths get the default rule, which needs
 * an identity. The path is then judged by every reading a plausible origin may make of it: case-folded
 * (Express by default, ASP.NET Core, IIS) against the case-folded patterns, without a trailing slash
 * (Express, Rails, Laravel, ASP.NET Core, Spring MVC ≤ 5), with one where an exact rule is written with
 * one, and decoded (`decodedReadings`: `%2F`, `%252F`, `\`, `;params`, dot segments). When a reading
 * falls under a rule that grants other access, the path is ambiguous: it is refused, never forwarded
 * under the laxer rule (`/help/PRIVATE/x` under a public `/help/*` while `/help/private/*` is for admins).
 *
 * Costs a few map lookups per request: the extra readings are made only where the path can differ (an
 * upper-case letter, a trailing slash, `%`, `\` or `;`), or where the rules themselves are written so.
 */
export function matchRoute(
  routes: HostRoutes,
  hostname: string,
  pathname: string,
): Result<RoutePolicy, Failure> {
  const table = routes.forHost(hostname);
  if (table === undefined)
    return fail({ kind: "bad_path", reason: "ambiguous_host", detail: "a host with an empty label" });
  const judged = judgePath(table, pathname);
  return judged.ok ? judged : fail(ambiguousPath(judged.failure));
}

/** The canonical path's rule, or the first reading of the path whose rule grants other access. */
export function judgePath(table: RouteTable, pathname: string): Result<RoutePolicy, PathConflict> {
  const canonical = normalisePath(pathname);
  const route = table.match(canonical);
  const found = variantConflict(table, route, canonical, route);
  if (found !== undefined) return fail({ route, other: found.other, how: found.variant });
  if (!mayBeDecodedDifferently(pathname)) return ok(route);
  for (const reading of decodedReadings(pathname)) {
    const conflict = variantConflict(table, route, reading.path, table.match(reading.path));
    if (conflict !== undefined) {
      const how =
        conflict.variant === ""
          ? describeReading(reading)
          : `${describeReading(reading)}, ${conflict.variant}`;
      return fail({ route, other: conflict.other, how });
    }
  }
  return ok(route);
}

interface VariantConflict {
  readonly other: RoutePolicy;
  /** `""` for the reading as it is, else `letter case ignored`, `trailing slash removed`, … */
  readonly variant: string;
}

/**
 * Checks a reading of the path (whose own rule is `asRead`) and that reading case-folded and with its
 * trailing slash removed (or added) against the canonical path's rule `route`. An exact rule's own path
 * is what its operator wrote, so it is not read with or without a trailing slash: `/help/guide` stays
 * under its exact rule, though `/help/guide/` is ambiguous next to `/help/*`.
 */
function variantConflict(
  table: RouteTable,
  route: RoutePolicy,
  path: string,
  asRead: RoutePolicy,
): VariantConflict | undefined {
  const conflict = differs(table, route, asRead, "") ?? caseFolded(table, route, path, "letter case ignored");
  if (conflict !== undefined || asRead.pattern === path) return conflict;
  if (path.length > 1 && path.endsWith("/")) {
    const stripped = path.slice(0, -1);
    return (
      differs(table, route, table.match(stripped), "trailing slash removed") ??
      caseFolded(table, route, stripped, "trailing slash removed, letter case ignored")
    );
  }
  if (table.anySlashEndedExact) {
    const slashed = `${path}/`;
    return (
      differs(table, route, table.match(slashed), "trailing slash added") ??
      caseFolded(table, route, slashed, "trailing slash added, letter case ignored")
    );
  }
  return undefined;
}

function caseFolded(table: RouteTable, route: RoutePolicy, path: string, variant: string) {
  if (!table.anyUpperCasePattern && !/[A-Z]/.test(path)) return undefined;
  return differs(table, route, table.matchCaseFolded(path.toLowerCase()), variant);
}

function differs(
  table: RouteTable,
  route: RoutePolicy,
  other: RoutePolicy,
  variant: string,
): VariantConflict | undefined {
  return table.samePolicy(route, other) ? undefined : { other, variant };
}

function ambiguousPath(conflict: PathConflict): Failure {
  return {
    kind: "bad_path",
    reason: "ambiguous_path",
    detail: `${conflict.how}: ${routeName(conflict.other)} (as written: ${routeName(conflict.route)})`,
  };
}

/** `index:pattern` of a rule, or `(default)`, as the decision log names it. */
export function routeName(route: RoutePolicy): string {
  return route.index === -1 ? "(default)" : `${route.index}:${route.pattern}`;
}
