import type { FetchAttempt } from "../jwks/fetch-attempts.ts";
import { ageSeconds } from "../jwks/freshness.ts";
import type { KeyCacheState } from "../jwks/key-cache.ts";
import type { ProviderDocument } from "../observe/metrics.ts";
import type { Runtime } from "../platform.ts";

/** What the health endpoint needs from a key cache (`KeyCache`). */
export interface KeyStateSource {
  /** Loads the key set the way a request would when the isolate holds none or an expired one. */
  prepare(rt: Runtime): Promise<void>;
  /** The keys as the isolate holds them now, read once per health document. */
  state(nowMs: number): KeyCacheState;
}

/** One issuer in the health document, and how it counts towards the status. */
export interface IssuerHealth {
  /** The issuer's name in route rules ("login" for the sign-in issuer). */
  readonly name: string;
  /** Whether a token signed with a known key would verify now (fresh or stale-servable keys). */
  readonly usable: boolean;
  /** Fresh keys, and the last fetch (if any) went well. */
  readonly healthy: boolean;
  /** The issuer's entry in the document. Key ids are public (the JWKS is). */
  readonly document: Record<string, unknown>;
}

/**
 * One issuer's keys as the health document shows them, from the cache's state: the key set's tier
 * (`memory`: fresh; `stale`: past max-age, still served while a refresh is tried; `expired`: past
 * max-stale, a request has to fetch before it can verify), source, age and kids, and the last
 * discovery or JWKS fetch this isolate made for the issuer, however it ended.
 */
export function issuerHealth(state: KeyCacheState, nowMs: number): IssuerHealth {
  const { entry, freshness } = state.jwks;
  const keySet =
    entry && freshness
      ? {
          tier: freshness === "fresh" ? "memory" : freshness,
          source: entry.source,
          ageSeconds: Math.floor(ageSeconds(entry, nowMs)),
          maxAgeSeconds: entry.maxAgeSeconds,
          kids: entry.value.keys.map((key) => key.kid ?? "(none)"),
          fetchedAt: new Date(entry.fetchedAt).toISOString(),
        }
      : undefined;
  const last = latestFetch(state);
  const usable = keySet !== undefined && keySet.tier !== "expired" && keySet.kids.length > 0;
  return {
    name: state.name,
    usable,
    healthy: keySet?.tier === "memory" && (last?.attempt.outcome ?? "ok") === "ok",
    document: {
      name: state.name,
      issuer: state.issuer,
      usable,
      keys: keySet
        ? {
            tier: keySet.tier,
            source: keySet.source,
            ageSeconds: keySet.ageSeconds,
            maxAgeSeconds: keySet.maxAgeSeconds,
            kidCount: keySet.kids.length,
            kids: keySet.kids,
            fetchedAt: keySet.fetchedAt,
          }
        : null,
      lastFetch: last
        ? {
            document: last.document,
            outcome: last.attempt.outcome,
            ...(last.attempt.status === undefined ? {} : { status: last.attempt.status }),
            at: new Date(last.attempt.at).toISOString(),
          }
        : null,
    },
  };
}

/**
 * A failed discovery fetch is the one to name (the JWKS cannot be fetched without it); otherwise the
 * later of the two, the JWKS on a tie (it is fetched after the discovery it depends on).
 */
function latestFetch(
  state: KeyCacheState,
): { readonly document: ProviderDocument; readonly attempt: FetchAttempt } | undefined {
  const d = state.discovery.lastFetch;
  const j = state.jwks.lastFetch;
  if (j && (!d || (d.ok && j.at >= d.at))) return { document: "jwks", attempt: j };
  return d && { document: "discovery", attempt: d };
}
