/**
 * A header name as a lenient origin may read it: lower case, with `_` read as `-` (CGI-style servers
 * and some frameworks fold both into one variable: `X_Forwarded_For` arrives as `X-Forwarded-For`).
 */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes("_") ? lower.replace(/_/g, "-") : lower;
}
