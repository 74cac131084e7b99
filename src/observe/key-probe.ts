import type { Failure } from "../failure.ts";
import type { KeyMatch, KeyTier } from "../jwks/key-cache.ts";
import type { Runtime } from "../platform.ts";
import type { Result } from "../result.ts";

/** Anything that finds the issuer's keys for a token (the `KeyCache`, or a wrapper around it). */
export interface KeyLookup {
  keysFor(rt: Runtime, kid: string | undefined, alg: string): Promise<Result<KeyMatch, Failure>>;
}

/** What one request learnt about its key lookup, for the decision log and Server-Timing. */
export interface KeyProbe {
  keyLookupMs?: number;
  tier?: KeyTier;
  keyAgeSeconds?: number;
}

/** Wraps a key lookup so that the probe records how long it took and which tier and key age served it. */
export function probeKeyLookup(keys: KeyLookup, probe: KeyProbe): KeyLookup {
  return {
    async keysFor(rt, kid, alg) {
      const startedAt = rt.now();
      const match = await keys.keysFor(rt, kid, alg);
      probe.keyLookupMs = (probe.keyLookupMs ?? 0) + (rt.now() - startedAt);
      if (match.ok) {
        probe.tier = match.value.tier;
        probe.keyAgeSeconds = Math.round(match.value.ageSeconds);
      }
      return match;
    },
  };
}
