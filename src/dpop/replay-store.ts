import { DEFAULTS } from "../config/defaults.ts";
import { withDeadline } from "../deadline.ts";
import { encodeBase64Url } from "../jwt/base64url.ts";
import type { DpopReplayObject } from "./replay-object.ts";

/** What the replay store says of a proof: first seen now, seen before, or no answer. */
export type ReplayVerdict = "fresh" | "replayed" | { readonly unavailable: string };

/**
 * Remembers DPoP proofs across isolates and locations. `check` answers "fresh" exactly once per
 * (key thumbprint, `jti`) until `acceptableUntilMs`; a store that fails or does not answer in time is
 * `unavailable`, never "fresh".
 */
export interface DpopReplayStore {
  check(jkt: string, jti: string, acceptableUntilMs: number, nowMs: number): Promise<ReplayVerdict>;
}

/**
 * The replay store over the `DPOP_REPLAY` Durable Object namespace: each proof goes to one of
 * `DEFAULTS.dpopReplayShards` objects by the SHA-256 of its thumbprint and `jti`, which is also the
 * key it is stored under (bounded size, no client-chosen text in storage).
 */
export function durableReplayStore(
  namespace: DurableObjectNamespace<DpopReplayObject>,
  timeoutMs: number = DEFAULTS.dpopReplayTimeoutMs,
): DpopReplayStore {
  return {
    async check(jkt, jti, acceptableUntilMs, nowMs) {
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${jkt}.${jti}`)),
      );
      const shard = (digest[0] as number) % DEFAULTS.dpopReplayShards;
      const key = encodeBase64Url(digest);
      const answer = await withDeadline(async () => {
        const stub = namespace.get(namespace.idFromName(`dpop-replay-${shard}`));
        return await stub.seen(key, acceptableUntilMs, nowMs);
      }, timeoutMs);
      if ("problem" in answer) return { unavailable: answer.problem };
      return answer.value ? "replayed" : "fresh";
    },
  };
}
