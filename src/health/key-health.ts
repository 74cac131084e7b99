import type { ProviderDocument, ProviderFetchOutcome } from "../observe/metrics.ts";
import type { Runtime } from "../platform.ts";

/**
 * Where the in-memory key set stands: `memory` (fresh), `stale` (past max-age, still served while a
 * refresh is tried), `expired` (past max-stale: a request has to fetch before it can verify).
 */
export type KeySetTier = "memory" | "stale" | "expired";

/** One issuer's key set as the health document shows it. Key ids are public (the JWKS is). */
export interface KeyHealth {
  /** The issuer's name in route rules ("login" for the sign-in issuer). */
  readonly name: string;
  readonly issuer: string;
  /** Absent when this isolate holds no key set for the issuer. */
  readonly keySet?: {
    readonly tier: KeySetTier;
    /** Where the isolate got the set from. */
    readonly source: "provider" | "kv";
    readonly fetchedAtMs: number;
    readonly ageSeconds: number;
    readonly maxAgeSeconds: number;
    readonly kids: readonly string[];
  };
  /** The last discovery or JWKS fetch this isolate made for the issuer, however it ended. */
  readonly lastFetch?: {
    readonly document: ProviderDocument;
    readonly outcome: ProviderFetchOutcome;
    readonly status?: number;
    readonly atMs: number;
  };
  /** Whether a token signed with a known key would verify now (fresh or stale-servable keys). */
  readonly usable: boolean;
}

/**
 * What the health endpoint needs from a key cache. Provisionally implemented by `KeyCache`; the
 * tiered cache (memory → KV → provider) is to provide the same from its snapshot.
 */
export interface KeyHealthSource {
  /** Loads the key set the way a request would when the isolate holds none or an expired one. */
  prepare(rt: Runtime): Promise<void>;
  health(nowMs: number): KeyHealth;
}
