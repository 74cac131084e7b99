import type { RoutePolicy } from "../config/config.ts";
import type { ConfigProblem } from "../config/problem.ts";

/** The binding of the DPoP replay store's Durable Object namespace (wrangler.toml, docs/dpop.md). */
export const DPOP_REPLAY_BINDING = "DPOP_REPLAY";

/** `require_dpop` on a public route would mean nothing: the route checks no credential at all. */
export function dpopRouteProblems(routes: readonly RoutePolicy[]): ConfigProblem[] {
  return routes
    .filter((route) => route.requireDpop && route.access === "public")
    .map((route) => ({
      path: `AUTH_ROUTES[${route.index}].require_dpop`,
      message: `a public route checks no credential (pattern ${JSON.stringify(route.pattern)}); remove require_dpop or access = "public"`,
    }));
}

/**
 * A route that requires DPoP cannot work without the replay store: every proof would be refused with
 * a 503. (Without routes that require it, a `cnf.jkt` token is refused the same way; that is a
 * runtime answer, not a configuration error.)
 */
export function dpopBindingProblems(
  routes: readonly RoutePolicy[],
  env: Readonly<Record<string, unknown>>,
): ConfigProblem[] {
  const first = routes.find((route) => route.requireDpop);
  const binding = env[DPOP_REPLAY_BINDING];
  if (first === undefined || isNamespace(binding)) return [];
  return [
    {
      path: DPOP_REPLAY_BINDING,
      message: `is not bound, and AUTH_ROUTES[${first.index}] (${JSON.stringify(first.pattern)}) requires DPoP, whose replayed proofs only a Durable Object can refuse; add [[durable_objects.bindings]] name = "DPOP_REPLAY" class_name = "DpopReplayObject" and its [[migrations]] block to wrangler.toml (docs/dpop.md)`,
    },
  ];
}

function isNamespace(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { idFromName?: unknown }).idFromName === "function"
  );
}
