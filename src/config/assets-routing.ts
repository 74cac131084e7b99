import type { RoutePolicy } from "./config.ts";
import { AUTH_PATHS } from "./defaults.ts";
import type { ConfigProblem } from "./problem.ts";

/** wrangler.toml's `[assets]` block, as far as it decides whether the worker runs. */
export interface AssetsSettings {
  readonly directory?: string;
  readonly run_worker_first?: boolean | readonly string[];
}

const PATH = "assets.run_worker_first";

/**
 * With an `[assets]` block, Cloudflare serves a request for an existing file without running the
 * worker unless `run_worker_first` sends it there first: `true` (every request), or a list of
 * patterns. In a list, `*` matches any characters (`/` too) over the whole path; rules starting
 * `!` send matching paths straight to the files, ahead of every other rule (workers-sdk
 * router-worker). A list is accepted only if every path that needs an identity — each non-public
 * rule, the paths no rule matches, and edge-auth's own `/auth/…` paths — reaches the worker, and
 * no `!` rule sends such a path to the files. The list is by path only, for every host: a rule with
 * `host` needs its paths covered like any other, and a public rule for some hosts leaves its paths
 * protected on the others. The check is conservative: a list it cannot prove safe is refused, and
 * `run_worker_first = true` always is accepted.
 */
export function assetsRoutingProblems(
  assets: AssetsSettings | undefined,
  routes: readonly RoutePolicy[],
): ConfigProblem[] {
  if (assets === undefined) return [];
  const setting = assets.run_worker_first;
  if (setting === true) return [];
  if (setting === undefined || setting === false) {
    const files = assets.directory === undefined ? "" : ` in ${JSON.stringify(assets.directory)}`;
    return [
      {
        path: PATH,
        message: `is ${setting === false ? "false" : "not set"}, so Cloudflare serves every file${files} to anyone without running edge-auth; set run_worker_first = true`,
      },
    ];
  }
  return listProblems(setting, routes);
}

function listProblems(list: readonly string[], routes: readonly RoutePolicy[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const positive: string[] = [];
  const negative: { glob: string; index: number }[] = [];
  list.forEach((rule, index) => {
    if (rule.startsWith("!/")) negative.push({ glob: rule.slice(1), index });
    else if (rule.startsWith("/")) positive.push(rule);
    else
      problems.push({
        path: `${PATH}[${index}]`,
        message: `${JSON.stringify(rule)} must start with "/" or "!/"`,
      });
  });
  const fix = 'set run_worker_first = true, or add "/*"';
  for (const { glob, index } of negative) {
    const exposed = exposedBy(glob, routes);
    if (exposed !== undefined)
      problems.push({
        path: `${PATH}[${index}]`,
        message: `"!${glob}" sends ${exposed} straight to the static files, without edge-auth; remove it, or narrow it to public paths`,
      });
  }
  for (const route of routes) {
    if (route.access === "public" || coversPattern(positive, route.pattern)) continue;
    problems.push({
      path: PATH,
      message: `does not cover AUTH_ROUTES[${route.index}] (${JSON.stringify(route.pattern)}), so Cloudflare would serve its files to anyone; set run_worker_first = true, or add ${rulesFor(route.pattern)}`,
    });
  }
  if (defaultRuleReachable(routes) && !positive.some(coversEverything))
    problems.push({
      path: PATH,
      message: `does not cover the paths no rule matches (they need an identity), so Cloudflare would serve those files to anyone; ${fix}`,
    });
  const ownPaths = Object.values(AUTH_PATHS);
  const missed = ownPaths.filter(
    (path) =>
      !positive.some((glob) => globMatches(glob, path)) ||
      negative.some(({ glob }) => globMatches(glob, path)),
  );
  if (missed.length > 0)
    problems.push({
      path: PATH,
      message: `does not send edge-auth's own paths (${missed.join(", ")}) to the worker, so sign-in, sign-out, logout from the provider and the assertion keys cannot work; add "/auth/*" and no "!" rule that matches it`,
    });
  return problems;
}

/** The list entries that cover a route pattern: `/base/*` needs `/base` too, which it also matches. */
function rulesFor(pattern: string): string {
  if (pattern === "*" || pattern === "/*") return '"/*"';
  if (!pattern.endsWith("/*")) return JSON.stringify(pattern);
  return `${JSON.stringify(pattern.slice(0, -2))} and ${JSON.stringify(pattern)}`;
}

function globRegExp(glob: string): RegExp {
  const literal = glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"));
  return new RegExp(`^${literal.join(".*")}$`);
}

function globMatches(glob: string, path: string): boolean {
  return globRegExp(glob).test(path);
}

/** The literal part before the first `*`, when the glob is that literal then only stars. */
function openPrefix(glob: string): string | undefined {
  const star = glob.indexOf("*");
  if (star === -1 || !/^\*+$/.test(glob.slice(star))) return undefined;
  return glob.slice(0, star);
}

function coversEverything(glob: string): boolean {
  const prefix = openPrefix(glob);
  return prefix === "" || prefix === "/";
}

/** Whether one of the globs matches every path a route pattern matches (`*`, `/exact`, `/base/*`). */
function coversPattern(globs: readonly string[], pattern: string): boolean {
  if (pattern === "*") return globs.some(coversEverything);
  if (!pattern.endsWith("/*")) return globs.some((glob) => globMatches(glob, pattern));
  const base = pattern.slice(0, -2);
  const baseCovered = base === "" || globs.some((glob) => globMatches(glob, base));
  const below = `${base}/`;
  const belowCovered = globs.some((glob) => {
    const prefix = openPrefix(glob);
    return prefix !== undefined && below.startsWith(prefix);
  });
  return baseCovered && belowCovered;
}

/**
 * Paths no rule matches need an identity, unless a `*` or `/*` rule for every host matches every
 * path (one for some hosts leaves the others to the default rule).
 */
function defaultRuleReachable(routes: readonly RoutePolicy[]): boolean {
  return !routes.some(
    (route) => route.hosts === undefined && (route.pattern === "*" || route.pattern === "/*"),
  );
}

/**
 * What a `!` glob would send to the files that needs an identity (a rule, or the paths no rule
 * matches), following the rules in order as the gate does; undefined when every path it matches
 * is public. A public rule for some hosts settles nothing: the other hosts read on to the next
 * rules. Where it cannot tell, it assumes the worst.
 */
function exposedBy(glob: string, routes: readonly RoutePolicy[]): string | undefined {
  const describe = (route: RoutePolicy) =>
    `paths that need an identity (AUTH_ROUTES[${route.index}] ${JSON.stringify(route.pattern)})`;
  if (!glob.includes("*")) {
    for (const route of routes) {
      if (!route.matches(glob)) continue;
      if (route.access !== "public") return describe(route);
      if (route.hosts === undefined) return undefined;
    }
    return "a path no rule matches (it needs an identity)";
  }
  const prefix = glob.slice(0, glob.indexOf("*"));
  for (const route of routes) {
    const coversAll = ruleCoversPrefix(route.pattern, prefix);
    if (!coversAll && !ruleMayOverlap(route.pattern, glob, prefix)) continue;
    if (route.access !== "public") return describe(route);
    if (coversAll && route.hosts === undefined) return undefined;
  }
  return "paths no rule matches (they need an identity)";
}

/** Whether a route pattern matches every path that starts with `prefix`. */
function ruleCoversPrefix(pattern: string, prefix: string): boolean {
  if (pattern === "*" || pattern === "/*") return true;
  return pattern.endsWith("/*") && prefix.startsWith(pattern.slice(0, -1));
}

function ruleMayOverlap(pattern: string, glob: string, prefix: string): boolean {
  if (pattern === "*") return true;
  if (!pattern.endsWith("/*")) return globMatches(glob, pattern);
  const base = pattern.slice(0, -2);
  const below = `${base}/`;
  return globMatches(glob, base) || prefix.startsWith(below) || below.startsWith(prefix);
}
