import type { FenceChanges, FenceCursor, FenceEvent } from "./fence-events.ts";
import type { FenceRecorded, RevocationFence } from "./revocation-fence.ts";

/** The issuer's revocation fence as the worker calls it (through the platform seam, so tests can fail it). */
export interface RevocationFenceClient {
  record(events: readonly FenceEvent[], nowSeconds: number): Promise<FenceRecorded>;
  changesSince(cursor: FenceCursor | null, nowSeconds: number): Promise<FenceChanges>;
}

/**
 * The fence of one issuer in the `REVOCATION_FENCE` namespace (one Durable Object per issuer, by
 * name), or undefined when the binding is absent. The stub is made per call: a call is rare (once per
 * fence interval per isolate) and a stub belongs to the request that made it.
 */
export function fenceClientFor(binding: unknown, issuer: string): RevocationFenceClient | undefined {
  if (!isNamespace(binding)) return undefined;
  const stub = () => binding.get(binding.idFromName(issuer));
  return {
    record: async (events, nowSeconds) => (await stub().record(events, nowSeconds)) as FenceRecorded,
    changesSince: async (cursor, nowSeconds) =>
      (await stub().changesSince(cursor, nowSeconds)) as FenceChanges,
  };
}

function isNamespace(value: unknown): value is DurableObjectNamespace<RevocationFence> {
  if (typeof value !== "object" || value === null) return false;
  const namespace = value as Record<string, unknown>;
  return typeof namespace.idFromName === "function" && typeof namespace.get === "function";
}
