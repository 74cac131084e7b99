import type { RoutePolicy } from "../config/config.ts";
import { requestHostForRules, wildcardParentOf } from "../config/route-host.ts";
import { RouteTable } from "./route-table.ts";

/** The rules one set of hosts sees, in their written order, and what the configuration checks call it. */
export interface RouteScope {
  /** `every host`, `host "docs.example.com"`, `hosts "*.example.com"`. */
  readonly name: string;
  readonly table: RouteTable;
  readonly routes: readonly RoutePolicy[];
}

/**
 * The route rules per request host. Rules without `host` apply to every host; a rule with `host` only
 * to the hosts it names. Every distinct set of applicable rules gets its own `RouteTable`, built once:
 * one per host named exactly (with the wildcard rules that cover it), one per wildcard parent, and one
 * for every other host. The rules keep their written order in each, so "first match wins" holds
 * across host-specific and generic rules, and the path readings are judged within the host's rules.
 * Selecting a table costs at most two map lookups.
 */
export class HostRoutes {
  readonly #everyHost: RouteTable;
  readonly #byHost = new Map<string, RouteTable>();
  readonly #byWildcardParent = new Map<string, RouteTable>();
  readonly scopes: readonly RouteScope[];

  constructor(routes: readonly RoutePolicy[], defaultRoute: RoutePolicy) {
    const scope = (name: string, applies: (route: RoutePolicy) => boolean): RouteScope => {
      const own = routes.filter((route) => route.hosts === undefined || applies(route));
      return { name, routes: own, table: new RouteTable(own, defaultRoute) };
    };
    const everyHost = scope("every host", () => false);
    const scopes = [everyHost];
    const patterns = new Set(routes.flatMap((route) => route.hosts ?? []));
    for (const pattern of patterns) {
      if (pattern.startsWith("*.")) {
        const found = scope(
          `hosts ${JSON.stringify(pattern)}`,
          (route) => route.hosts?.includes(pattern) ?? false,
        );
        this.#byWildcardParent.set(pattern.slice(2), found.table);
        scopes.push(found);
      } else {
        const found = scope(`host ${JSON.stringify(pattern)}`, (route) => appliesTo(route, pattern));
        this.#byHost.set(pattern, found.table);
        scopes.push(found);
      }
    }
    this.#everyHost = everyHost.table;
    this.scopes = scopes;
  }

  /**
   * The rules for a request's host (`URL.hostname`: lower case, escapes decoded), whatever its port;
   * a trailing dot names the same host. Undefined for a host no DNS name can be (an empty label),
   * when some rule names a host: such a request is refused, never judged by the rules for every host.
   */
  forHost(hostname: string): RouteTable | undefined {
    if (this.#byHost.size === 0 && this.#byWildcardParent.size === 0) return this.#everyHost;
    const host = requestHostForRules(hostname);
    if (host === undefined) return undefined;
    const exact = this.#byHost.get(host);
    if (exact) return exact;
    const parent = wildcardParentOf(host);
    return (parent === undefined ? undefined : this.#byWildcardParent.get(parent)) ?? this.#everyHost;
  }
}

/** Whether a rule with `host` covers a host: named exactly, or by a wildcard one label above it. */
function appliesTo(route: RoutePolicy, host: string): boolean {
  const parent = wildcardParentOf(host);
  return (
    route.hosts?.some((pattern) => pattern === host || (parent !== undefined && pattern === `*.${parent}`)) ??
    false
  );
}
