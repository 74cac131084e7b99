import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
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

/** A valid configuration with these route rules and nothing else set; throws naming every problem. */
export function configWithRoutes(routes: readonly Record<string, unknown>[]): GateConfig {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://issuer.test",
    OIDC_CLIENT_ID: "client-1",
    AUTH_ROUTES: routes,
  });
  if (!loaded.ok) throw new Error(loaded.failure.map((p) => `${p.path}: ${p.message}`).join("; "));
  return loaded.value;
}
