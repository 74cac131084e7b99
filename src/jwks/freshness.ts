/**
 * How usable a cached document is at a given moment. Pure: no clock, no I/O.
 *
 * - fresh: younger than its max-age (RFC 9111 §4.2): use it.
 * - stale: past its max-age by less than max-stale (the request directive's meaning, RFC 9111
 *   §5.2.1.2: "exceeded its freshness lifetime by no more than" max-stale): use it, refresh behind.
 * - expired: past max-age + max-stale: do not use it; fetch now or fail with 503.
 */
export type Freshness = "fresh" | "stale" | "expired";

/** A cached document's dates: when it was fetched (ms since the epoch) and its clamped max-age. */
export interface Dated {
  readonly fetchedAt: number;
  readonly maxAgeSeconds: number;
}

export interface MaxAgeBounds {
  readonly minMaxAgeSeconds: number;
  readonly maxMaxAgeSeconds: number;
}

export function judgeFreshness(entry: Dated, maxStaleSeconds: number, nowMs: number): Freshness {
  const ageMs = nowMs - entry.fetchedAt;
  const maxAgeMs = entry.maxAgeSeconds * 1000;
  if (ageMs < maxAgeMs) return "fresh";
  if (ageMs < maxAgeMs + maxStaleSeconds * 1000) return "stale";
  return "expired";
}

/** Age in seconds, never negative (a record from a clock slightly ahead counts as new). */
export function ageSeconds(entry: Dated, nowMs: number): number {
  return Math.max(0, (nowMs - entry.fetchedAt) / 1000);
}

/** How long the entry stays fresh from now, in ms (≤ 0 once stale). */
export function freshForMs(entry: Dated, nowMs: number): number {
  return entry.fetchedAt + entry.maxAgeSeconds * 1000 - nowMs;
}

/**
 * The max-age to cache a document for: the provider's `Cache-Control: max-age` held within the
 * configured bounds. A missing max-age, `no-cache` or `no-store` (parsed as 0) gets the lower bound:
 * the provider cannot make every request a fetch.
 */
export function clampMaxAgeSeconds(declared: number | undefined, bounds: MaxAgeBounds): number {
  const seconds = declared !== undefined && Number.isFinite(declared) ? declared : 0;
  return Math.min(bounds.maxMaxAgeSeconds, Math.max(bounds.minMaxAgeSeconds, seconds));
}
