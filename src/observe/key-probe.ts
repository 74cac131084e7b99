import type { Failure } from "../failure.ts";
import type { KeyMatch, KeySource } from "../jwks/key-source.ts";
import type { KeyTier } from "../jwks/vocabulary.ts";
import type { Result } from "../result.ts";

/** Anything that finds the issuer's keys for a token (the `KeyCache`, or a wrapper around it). */
export type KeyLookup = KeySource;

/** What one request learnt about its key lookup, for the decision log and Server-Timing. */
export interface KeyProbe {
  keyLookupMs?: number;
  tier?: KeyTier;
  keyAgeSeconds?: number;
}

/** Wraps a key lookup so that the probe records how long it took and which tier and key age served it. */
export function probeKeyLookup(keys: KeyLookup, probe: KeyProbe): KeyLookup {
  const timed = async (rt: { now(): number }, lookup: () => Promise<Result<KeyMatch, Failure>>) => {
    const startedAt = rt.now();
    const match = await lookup();
    probe.keyLookupMs = (probe.keyLookupMs ?? 0) + (rt.now() - startedAt);
    if (match.ok) {
      probe.tier = match.value.tier;
      probe.keyAgeSeconds = Math.round(match.value.ageSeconds);
    }
    return match;
  };
  const afterMiss = keys.keysAfterSignatureMiss?.bind(keys);
  return {
    keysFor: (rt, kid, alg) => timed(rt, () => keys.keysFor(rt, kid, alg)),
    ...(afterMiss
      ? { keysAfterSignatureMiss: (rt, alg, tried) => timed(rt, () => afterMiss(rt, alg, tried)) }
      : {}),
  };
}
