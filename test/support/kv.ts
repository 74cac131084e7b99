/** KV namespaces for fault injection through the `kv` seam, and a counter of what reaches KV. */

export interface KvCounts {
  gets: string[];
  puts: { key: string; expirationTtl: number | undefined }[];
}

/** Passes everything to `inner` and records every read and write (with its TTL). */
export function countingKv(inner: KVNamespace): { kv: KVNamespace; counts: KvCounts } {
  const counts: KvCounts = { gets: [], puts: [] };
  const kv = {
    get: (key: string, type?: unknown) => {
      counts.gets.push(key);
      return inner.get(key, type as "text");
    },
    put: (key: string, value: string, options?: KVNamespacePutOptions) => {
      counts.puts.push({ key, expirationTtl: options?.expirationTtl });
      return inner.put(key, value, options);
    },
    delete: (key: string) => inner.delete(key),
    list: (options?: KVNamespaceListOptions) => inner.list(options),
  };
  return { kv: kv as unknown as KVNamespace, counts };
}

/** KV during an outage: every call rejects. */
export function failingKv(): KVNamespace {
  const down = () => Promise.reject(new Error("KV is unavailable (test outage)"));
  return { get: down, put: down, delete: down, list: down } as unknown as KVNamespace;
}

/** KV that never answers reads (writes succeed and vanish). */
export function hangingKv(): KVNamespace {
  return {
    get: () => new Promise(() => {}),
    put: () => Promise.resolve(),
    delete: () => Promise.resolve(),
    list: () => new Promise(() => {}),
  } as unknown as KVNamespace;
}

/** Which KV calls of a `stallingKv` never answer from now on (a test flips them mid-flow). */
export interface KvStalls {
  reads: boolean;
  writes: boolean;
}

/**
 * Passes everything to `inner` until the test stalls reads or writes (puts and deletes): those calls
 * then never settle, as KV does in a bad minute.
 */
export function stallingKv(inner: KVNamespace): { kv: KVNamespace; stalls: KvStalls } {
  const stalls: KvStalls = { reads: false, writes: false };
  const never = () => new Promise<never>(() => {});
  const kv = {
    get: (key: string, type?: unknown) => (stalls.reads ? never() : inner.get(key, type as "text")),
    getWithMetadata: (key: string, type?: unknown) =>
      stalls.reads ? never() : inner.getWithMetadata(key, type as "text"),
    put: (key: string, value: string, options?: KVNamespacePutOptions) =>
      stalls.writes ? never() : inner.put(key, value, options),
    delete: (key: string) => (stalls.writes ? never() : inner.delete(key)),
    list: (options?: KVNamespaceListOptions) => inner.list(options),
  };
  return { kv: kv as unknown as KVNamespace, stalls };
}
