/**
 * An in-memory stand-in for a KV namespace, speaking the protocol workerd uses for a `kvNamespace`
 * binding (GET/PUT/DELETE `/<key>?urlencoded=true`, GET `/?prefix=…` to list, POST `/bulk/get`).
 * It counts reads and writes so the runner can report KV traffic per variant. Unlike real KV it is
 * instant and strongly consistent: the bench counts KV round trips, it does not model their latency.
 * `/__bench/stats` and `/__bench/clear` are for the runner (keys arrive URL-encoded, so no key can
 * have those paths). For `--latency` and `npm run soak` it waits like real KV when the runner posts
 * a profile to `/__bench/faults` (delay.ts).
 */
import { applyFaults, setFaults } from "./delay.ts";

interface Entry {
  readonly value: string;
  readonly expiresAtMs: number | undefined;
  readonly metadata: string | null;
}

const store = new Map<string, Entry>();
const counts = { reads: 0, writes: 0, deletes: 0, lists: 0 };

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/stats") return Response.json({ ...counts, keys: store.size });
    if (url.pathname === "/__bench/clear") {
      store.clear();
      return Response.json({ cleared: true });
    }
    if (url.pathname === "/__bench/faults" && request.method === "POST") return setFaults(request);
    // Reads wait (a KV GET from a colo that does not hold the key); writes are not on the request path.
    if (request.method === "GET" || url.pathname === "/bulk/get") {
      const fault = await applyFaults();
      if (fault) return fault;
    }
    if (request.method === "POST" && url.pathname === "/bulk/get") return bulkGet(request);
    if (url.pathname === "/" && request.method === "GET") return list(url);
    const key = decodeURIComponent(url.pathname.slice(1));
    switch (request.method) {
      case "GET":
        return get(key);
      case "PUT":
        return put(key, url, request);
      case "DELETE":
        counts.deletes++;
        store.delete(key);
        return new Response();
      default:
        return new Response("method not allowed", { status: 405 });
    }
  },
};

function live(key: string): Entry | undefined {
  const entry = store.get(key);
  if (entry?.expiresAtMs !== undefined && entry.expiresAtMs <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry;
}

function get(key: string): Response {
  counts.reads++;
  const entry = live(key);
  if (!entry) return new Response("Not Found", { status: 404 });
  const headers = new Headers();
  if (entry.expiresAtMs !== undefined)
    headers.set("CF-Expiration", String(Math.floor(entry.expiresAtMs / 1000)));
  if (entry.metadata !== null) headers.set("CF-KV-Metadata", entry.metadata);
  return new Response(entry.value, { headers });
}

async function put(key: string, url: URL, request: Request): Promise<Response> {
  counts.writes++;
  const ttl = url.searchParams.get("expiration_ttl");
  const expiration = url.searchParams.get("expiration");
  const expiresAtMs =
    ttl !== null
      ? Date.now() + Number(ttl) * 1000
      : expiration !== null
        ? Number(expiration) * 1000
        : undefined;
  store.set(key, {
    value: await request.text(),
    expiresAtMs,
    metadata: request.headers.get("CF-KV-Metadata"),
  });
  return new Response();
}

function list(url: URL): Response {
  counts.lists++;
  const prefix = url.searchParams.get("prefix") ?? "";
  const keys = [...store.keys()]
    .filter((name) => name.startsWith(prefix) && live(name) !== undefined)
    .sort()
    .map((name) => {
      const entry = store.get(name) as Entry;
      return {
        name,
        ...(entry.expiresAtMs === undefined ? {} : { expiration: Math.floor(entry.expiresAtMs / 1000) }),
        ...(entry.metadata === null ? {} : { metadata: entry.metadata }),
      };
    });
  return Response.json({ keys, list_complete: true, cacheStatus: null });
}

async function bulkGet(request: Request): Promise<Response> {
  const body = (await request.json()) as { keys: string[]; type?: string; withMetadata?: boolean };
  const values: Record<string, unknown> = {};
  for (const key of body.keys) {
    counts.reads++;
    const entry = live(key);
    const value = entry === undefined ? null : body.type === "json" ? JSON.parse(entry.value) : entry.value;
    values[key] = body.withMetadata ? { value, metadata: entry?.metadata ?? null } : value;
  }
  return Response.json(values);
}
