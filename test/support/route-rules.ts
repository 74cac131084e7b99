import type { GateConfig } from "../../src/config/config.ts";
import { HostRoutes } from "../../src/policy/host-routes.ts";
import { matchRoute } from "../../src/policy/match-route.ts";

const routesByConfig = new WeakMap<GateConfig, HostRoutes>();

/**
 * `matchRoute` over a configuration's rules, as the gate runs it (IsolateState builds the rules per
 * host once; so does this, per configuration, for tests that judge many paths).
 */
export function matchRouteOf(config: GateConfig, hostname: string, pathname: string) {
  let routes = routesByConfig.get(config);
  if (!routes) {
    routes = new HostRoutes(config.routes, config.defaultRoute);
    routesByConfig.set(config, routes);
  }
  return matchRoute(routes, hostname, pathname);
}
