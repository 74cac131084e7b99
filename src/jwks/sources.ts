import type { Runtime } from "../platform.ts";
import { fail, type Result } from "../result.ts";
import type { DiscoveryDocument } from "./discovery.ts";
import type { DocumentCache } from "./document-cache.ts";
import type { DocumentSource } from "./document-types.ts";
import type { FetchLimits } from "./fetch-json.ts";
import type { DroppedKey, KeySet } from "./key-set.ts";
import {
  type Fetched,
  type FetchProblem,
  fetchDiscovery,
  fetchKeySet,
  reviveDiscovery,
  reviveKeySet,
} from "./refresh.ts";

/** The discovery document of `issuer`, from the provider or from a KV record judged again. */
export function discoverySource(issuer: string, limits: FetchLimits): DocumentSource<DiscoveryDocument> {
  return {
    kind: "discovery",
    fetch: (rt) => fetchDiscovery(rt, issuer, limits),
    revive: async (stored) => reviveDiscovery(stored, issuer),
  };
}

/**
 * The key set at the discovery document's `jwks_uri`. The keys dropped at ingest go to the log once
 * per distinct set of drops, not at every refresh.
 */
export function keySetSource(
  issuer: string,
  discovery: DocumentCache<DiscoveryDocument>,
  limits: FetchLimits,
): DocumentSource<KeySet> {
  let loggedDrops = "";
  const logDropsOnce = (rt: Runtime, dropped: readonly DroppedKey[]) => {
    const signature = JSON.stringify(dropped);
    if (dropped.length === 0 || signature === loggedDrops) return;
    loggedDrops = signature;
    rt.log({ event: "jwks_keys_dropped", issuer, dropped });
  };
  return {
    kind: "jwks",
    revive: reviveKeySet,
    async fetch(rt): Promise<Result<Fetched<KeySet>, FetchProblem>> {
      const document = await discovery.read(rt);
      if (!document.ok)
        return fail({
          reason: "discovery_unavailable",
          detail: document.failure.detail ?? "unavailable",
          outcome: "invalid",
        });
      const fetched = await fetchKeySet(rt, document.value.entry.value.jwks_uri, limits);
      logDropsOnce(rt, fetched.ok ? fetched.value.dropped : (fetched.failure.dropped ?? []));
      return fetched;
    },
  };
}
