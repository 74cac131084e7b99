import type { RoutePolicy } from "../config/config.ts";

/**
 * The rules by the only three shapes a pattern has (see route-pattern.ts): `*`, `/exact`, and
 * `/base/*`, which matches `/base` itself and every path that continues `/base/`. A path can only be
 * matched by a `/base/*` rule whose base is the path or the path cut before one of its slashes, so
 * those are the only lookups needed; the first rule wins, as in the ordered list. Costs a few map
 * lookups per path, however many rules there are.
 */
class RouteIndex {
  readonly #exact = new Map<string, number>();
  readonly #below = new Map<string, number>();
  readonly #any: number | undefined;

  constructor(patterns: readonly string[]) {
    let any: number | undefined;
    patterns.forEach((pattern, index) => {
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

/**
 * The ordered rules, indexed twice: as written (case-sensitive, how the canonical path is matched) and
 * with every pattern case-folded (how a case-insensitive origin's reading of a path is matched). Rules
 * that grant the same access (`access`, `allow`, `require_claims`) share a policy class: readings that
 * land on rules of one class admit exactly the same requests.
 */
export class RouteTable {
  readonly #routes: readonly RoutePolicy[];
  readonly #defaultRoute: RoutePolicy;
  readonly #asWritten: RouteIndex;
  readonly #caseFolded: RouteIndex;
  readonly #policyClass: ReadonlyMap<RoutePolicy, number>;
  /** Some pattern has an upper-case letter: then even a lower-case path has a case-folded reading. */
  readonly anyUpperCasePattern: boolean;
  /** Some exact pattern ends in "/": then a path without one has a reading with it. */
  readonly anySlashEndedExact: boolean;

  constructor(routes: readonly RoutePolicy[], defaultRoute: RoutePolicy) {
    this.#routes = routes;
    this.#defaultRoute = defaultRoute;
    const patterns = routes.map((route) => route.pattern);
    this.#asWritten = new RouteIndex(patterns);
    this.#caseFolded = new RouteIndex(patterns.map((pattern) => pattern.toLowerCase()));
    const classes = new Map<string, number>();
    const classOf = (route: RoutePolicy) => {
      const key = policyKey(route);
      let found = classes.get(key);
      if (found === undefined) {
        found = classes.size;
        classes.set(key, found);
      }
      return found;
    };
    this.#policyClass = new Map([defaultRoute, ...routes].map((route) => [route, classOf(route)]));
    this.anyUpperCasePattern = patterns.some((pattern) => /[A-Z]/.test(pattern));
    this.anySlashEndedExact = patterns.some((pattern) => pattern.length > 1 && pattern.endsWith("/"));
  }

  /** The first rule whose pattern matches `path` as written, or the default rule. */
  match(path: string): RoutePolicy {
    return this.#route(this.#asWritten.firstMatch(path));
  }

  /** The first rule whose case-folded pattern matches `foldedPath` (already case-folded). */
  matchCaseFolded(foldedPath: string): RoutePolicy {
    return this.#route(this.#caseFolded.firstMatch(foldedPath));
  }

  /** Whether the two rules (of this table) grant the same access. */
  samePolicy(a: RoutePolicy, b: RoutePolicy): boolean {
    return a === b || this.#policyClass.get(a) === this.#policyClass.get(b);
  }

  #route(index: number | undefined): RoutePolicy {
    return index === undefined ? this.#defaultRoute : (this.#routes[index] as RoutePolicy);
  }
}

/** What decides admission; the unauthenticated answer (login or 401) does not. */
function policyKey(route: RoutePolicy): string {
  if (route.access === "public") return "public";
  // The issuers and scopes a route accepts decide admission as much as its claim rules do.
  return JSON.stringify([route.allow ?? null, route.requireClaims, route.issuers, route.requireScopes]);
}
