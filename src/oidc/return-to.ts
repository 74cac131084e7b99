import { AUTH_PATHS } from "../config/defaults.ts";

/** Where a browser goes after signing in when no (acceptable) `return_to` was given. */
export const DEFAULT_RETURN_TO = "/";
const MAX_RETURN_TO_LENGTH = 2048;
const OWN_ENDPOINTS: ReadonlySet<string> = new Set(Object.values(AUTH_PATHS));

/**
 * Reduces a requested `return_to` to a path on this site, or `/`. The value is resolved with the URL
 * parser against the site's origin — which normalises `\`, tabs, newlines, percent-encoded dots and
 * scheme-relative `//host` the way browsers do — and kept only if the result has the site's own origin.
 * The kept path never starts with `//` (which a browser would read as another host) and never points
 * at edge-auth's own endpoints (no loops through login or logout).
 */
export function safeReturnTo(requested: string | null | undefined, siteOrigin: string): string {
  if (!requested || requested.length > MAX_RETURN_TO_LENGTH) return DEFAULT_RETURN_TO;
  // A return_to is a path: absolute URLs, even for this site, are not needed and not accepted.
  if (!requested.startsWith("/")) return DEFAULT_RETURN_TO;
  let resolved: URL;
  try {
    resolved = new URL(requested, siteOrigin);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  if (resolved.origin !== siteOrigin || resolved.username !== "" || resolved.password !== "")
    return DEFAULT_RETURN_TO;
  const path = resolved.pathname.replace(/^\/{2,}/, "/");
  if (OWN_ENDPOINTS.has(path)) return DEFAULT_RETURN_TO;
  return `${path}${resolved.search}`;
}

/** The absolute URL to send a browser to for a path that `safeReturnTo` kept. */
export function returnToUrl(path: string, siteOrigin: string): string {
  // Concatenation, not resolution: the path is already normalised and starts with exactly one "/".
  return `${siteOrigin}${path.startsWith("/") && !path.startsWith("//") ? path : DEFAULT_RETURN_TO}`;
}
