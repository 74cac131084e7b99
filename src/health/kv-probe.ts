import { readKvText } from "../kv.ts";
import type { Runtime } from "../platform.ts";

/** The key the health check reads. It is never written: a missing key is a successful read. */
export const HEALTH_PROBE_KEY = "health:probe";

/** Whether KV answered the health check's read, and if not, why (for the detailed view only). */
export type KvHealth = { readonly usable: true } | { readonly usable: false; readonly problem: string };

/**
 * One KV read within the KV deadline (DEFAULTS.kvTimeoutMs): a namespace that is not bound, throws or
 * does not answer in time is unusable, and sessions, sign-in and revocations with it. A read only:
 * KV writes are metered (1,000 a day on the free plan) and limited to one per second per key, so a
 * write per health check would cost more than it tells and fail under concurrent checks.
 */
export async function probeKv(rt: Runtime, timeoutMs: number): Promise<KvHealth> {
  const kv = rt.kv as KVNamespace | undefined;
  if (typeof kv?.get !== "function") return { usable: false, problem: "AUTH_KV is not bound" };
  const read = await readKvText(kv, HEALTH_PROBE_KEY, timeoutMs);
  return "problem" in read ? { usable: false, problem: read.problem } : { usable: true };
}
