import type { GateConfig, RoutePolicy } from "../config/config.ts";
import { lenientPath, normalisePath } from "../config/route-pattern.ts";

/**
 * The rule for a request path: the first rule whose pattern matches the normalised path; unmatched
 * paths need an identity. When the path as a lenient origin may read it (`lenientPath`: `%2F`, `\`,
 * `;params`, dot segments) falls under a different rule, the path is ambiguous and gets a rule that
 * needs an identity and admits nobody: `/public/..%2fadmin` must not reach an origin that serves it
 * as `/admin` with the public rule's (lack of) checks.
 */
export function matchRoute(config: GateConfig, pathname: string): RoutePolicy {
  const route = firstMatch(config, normalisePath(pathname));
  if (!/[%\\;]/.test(pathname)) return route;
  const lenient = firstMatch(config, normalisePath(lenientPath(pathname)));
  return lenient === route ? route : ambiguousRoute(config);
}

function firstMatch(config: GateConfig, path: string): RoutePolicy {
  for (const route of config.routes) if (route.matches(path)) return route;
  return config.defaultRoute;
}

const AMBIGUOUS_INDEX = -2;
const ambiguousByConfig = new WeakMap<GateConfig, RoutePolicy>();

/** A rule that asks for an identity and admits none (an empty allow list matches nobody). */
function ambiguousRoute(config: GateConfig): RoutePolicy {
  let route = ambiguousByConfig.get(config);
  if (!route) {
    route = {
      ...config.defaultRoute,
      index: AMBIGUOUS_INDEX,
      pattern: "(ambiguous path)",
      access: "authenticated",
      allow: { groups: [], emails: [], emailDomains: [] },
    };
    ambiguousByConfig.set(config, route);
  }
  return route;
}
