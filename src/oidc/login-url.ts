import { AUTH_PATHS } from "../config/defaults.ts";

/**
 * `/auth/login?return_to=<path>`: where a browser starts signing in to come back to `returnTo` (a
 * path and query on this site; `/auth/login` checks it again, see return-to.ts).
 */
export function loginUrlFor(returnTo: string): string {
  return `${AUTH_PATHS.login}?return_to=${encodeURIComponent(returnTo)}`;
}
