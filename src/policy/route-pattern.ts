/**
 * How a request path meets a route pattern: `*` (every path), `/exact`, or `/prefix/*` (the prefix
 * itself and everything below). Matching runs on a normalised path, so `/%61dmin` and `//admin` meet
 * the rule written for `/admin`. What a valid pattern is, is the configuration's (schema-routes.ts).
 */
export type PathMatcher = (normalisedPath: string) => boolean;

/** The matcher of a valid pattern (one `patternProblem` in schema-routes.ts accepts). */
export function compilePattern(pattern: string): PathMatcher {
  if (pattern === "*") return () => true;
  if (pattern.endsWith("/*")) {
    const base = pattern.slice(0, -2);
    const below = `${base}/`;
    return (path) => path === base || path.startsWith(below);
  }
  return (path) => path === pattern;
}

const UNRESERVED_ESCAPE = /%(2[DdEe]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]|7[Ee])/g;

/**
 * The path a rule is matched against: the URL parser has already resolved dot segments (also `%2e`);
 * here percent-escapes of unreserved characters are decoded (RFC 3986 §6.2.2.2) and runs of slashes
 * collapse, because origins commonly treat those spellings as the same resource.
 */
export function normalisePath(pathname: string): string {
  let path = pathname;
  if (path.includes("%"))
    path = path.replace(UNRESERVED_ESCAPE, (encoded) =>
      String.fromCharCode(Number.parseInt(encoded.slice(1), 16)),
    );
  if (path.includes("//")) path = path.replace(/\/{2,}/g, "/");
  return path;
}
