/** The timings edge-auth can report about its own work on a request. */
export interface AuthTimings {
  readonly keyLookupMs?: number;
  readonly verifyMs?: number;
  /** Everything edge-auth did before it answered or called the origin. */
  readonly authMs: number;
}

/**
 * A `Server-Timing` value (W3C Server Timing §3): `keys` for the key lookup, `verify` for signature
 * and claim checks, `auth` for edge-auth's whole decision. Only names and durations: no description
 * that could say anything about the caller. In Workers the clock advances only across I/O, so pure
 * CPU work reads as 0 and a key fetch from KV or the provider shows in full.
 */
export function serverTimingValue(timings: AuthTimings): string {
  const parts: string[] = [];
  if (timings.keyLookupMs !== undefined) parts.push(`keys;dur=${round(timings.keyLookupMs)}`);
  if (timings.verifyMs !== undefined) parts.push(`verify;dur=${round(timings.verifyMs)}`);
  parts.push(`auth;dur=${round(timings.authMs)}`);
  return parts.join(", ");
}

/** The response with edge-auth's entry appended to any `Server-Timing` the origin sent. */
export function withServerTiming(response: Response, timings: AuthTimings): Response {
  if (response.status === 101) return response; // a WebSocket upgrade is passed through untouched
  const copy = new Response(response.body, response);
  copy.headers.append("server-timing", serverTimingValue(timings));
  return copy;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
