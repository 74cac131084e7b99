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

/** Costs a few map lookups per request, however many rules there are. */
function firstMatch(config: GateConfig, path: string): RoutePolicy {
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
