import type { GateConfig, RoutePolicy } from "../config/config.ts";
import { normalisePath } from "../config/route-pattern.ts";

/**
 * The first rule whose pattern matches the request's normalised path; unmatched paths need an
 * identity. Costs a few map lookups per request, however many rules there are.
 */
export function matchRoute(config: GateConfig, pathname: string): RoutePolicy {
  const path = normalisePath(pathname);
  const index = routeIndexOf(config).firstMatch(path);
  return index === undefined ? config.defaultRoute : (config.routes[index] as RoutePolicy);
}

/**
 * The rules by the only three shapes a pattern has (see route-pattern.ts): `*`, `/exact`, and
 * `/base/*`, which matches `/base` itself and every path that continues `/base/`. A path can only be
 * matched by a `/base/*` rule whose base is the path or the path cut before one of its slashes, so
 * those are the only lookups needed; the first rule wins, as in the ordered list.
 */
class RouteIndex {
  readonly #exact = new Map<string, number>();
  readonly #below = new Map<string, number>();
  readonly #any: number | undefined;

  constructor(routes: readonly RoutePolicy[]) {
    let any: number | undefined;
    routes.forEach((route, index) => {
      const { pattern } = route;
      if (pattern === "*") any ??= index;
      else if (pattern.endsWith("/*")) firstWins(this.#below, pattern.slice(0, -2), index);
      else firstWins(this.#exact, pattern, index);
    });
    this.#any = any;
  }

  firstMatch(path: string): number | undefined {
    let best = earliest(this.#any, this.#exact.get(path));
    best = earliest(best, this.#below.get(path));
    for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1))
      best = earliest(best, this.#below.get(path.slice(0, slash)));
    return best;
  }
}

function firstWins(map: Map<string, number>, key: string, index: number): void {
  if (!map.has(key)) map.set(key, index);
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a < b ? a : b;
}

// Built once per configuration, on first use.
const indexByConfig = new WeakMap<GateConfig, RouteIndex>();

function routeIndexOf(config: GateConfig): RouteIndex {
  let index = indexByConfig.get(config);
  if (!index) {
    index = new RouteIndex(config.routes);
    indexByConfig.set(config, index);
  }
  return index;
}
