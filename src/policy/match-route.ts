import type { GateConfig, RoutePolicy } from "../config/config.ts";
import { normalisePath } from "../config/route-pattern.ts";

/** The first rule whose pattern matches the request's normalised path; unmatched paths need an identity. */
export function matchRoute(config: GateConfig, pathname: string): RoutePolicy {
  const path = normalisePath(pathname);
  for (const route of config.routes) if (route.matches(path)) return route;
  return config.defaultRoute;
}
