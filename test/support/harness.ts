import {
  createExecutionContext,
  createScheduledController,
  reset,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import { revocationKey } from "../../src/revocation/revocation-document.ts";
import { createWorker } from "../../src/worker.ts";
import { FakeDataset } from "./fake-dataset.ts";
import { CLIENT_ID, FakeIssuer, ISSUER, makeSigningKey } from "./fake-issuer.ts";

export const ORIGIN = "https://origin.test";

export interface OriginCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
}

/** The frozen clock; share one between harnesses to run several isolates on one timeline. */
export interface Clock {
  nowMs: number;
}

export interface HarnessOptions {
  readonly vars?: Record<string, unknown>;
  readonly issuer?: FakeIssuer;
  readonly nowMs?: number;
  /** The `AUTH_METRICS` binding: a recording fake by default, `false` for none (unbound). */
  readonly metrics?: FakeDataset | false;
  readonly clock?: Clock;
  /** A KVNamespace to use instead of the AUTH_KV binding (e.g. one that fails). */
  readonly kv?: KVNamespace;
  /**
   * Keep what KV holds. By default a harness starts with empty KV (KV is not reset between tests of
   * a file); keep it to add a second isolate next to a first one.
   */
  readonly keepKv?: boolean;
}

export const START_MS = Date.UTC(2026, 10, 22, 12, 0, 0);

/**
 * The real worker over a controlled platform: a frozen clock, a fake issuer and a recording origin
 * behind the fetch seam, and captured log lines. Each harness is a new isolate (its own memory).
 */
export async function createHarness(options: HarnessOptions = {}) {
  if (!options.keepKv) await reset();
  const issuer = options.issuer ?? new FakeIssuer([await makeSigningKey("RS256", "rsa-1")]);
  const clock: Clock = options.clock ?? { nowMs: options.nowMs ?? START_MS };
  const originCalls: OriginCall[] = [];
  const logs: Record<string, unknown>[] = [];
  const outbound: string[] = [];
  /** Hooks on the origin: run when it is called (e.g. advance the clock), or replace its answer. */
  const origin = {
    beforeAnswer: undefined as (() => void) | undefined,
    respond: undefined as (() => Response) | undefined,
  };
  const worker = createWorker({
    now: () => clock.nowMs,
    log: (line) => logs.push({ ...line }),
    fetch: async (request) => {
      outbound.push(request.url);
      const fromIssuer = await issuer.handle(request);
      if (fromIssuer) return fromIssuer;
      if (new URL(request.url).origin === ORIGIN) {
        originCalls.push({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: await request.text(),
        });
        origin.beforeAnswer?.();
        if (origin.respond) return origin.respond();
        return new Response("from origin", { status: 200, headers: { "x-origin": "yes" } });
      }
      throw new TypeError(`unexpected outbound fetch to ${request.url}`);
    },
    ...(options.kv ? { kv: options.kv } : {}),
  });
  const kv = countingKv(workerEnv.AUTH_KV);
  const metrics = options.metrics === undefined ? new FakeDataset() : options.metrics;
  const env = {
    AUTH_KV: kv.namespace,
    ...(metrics ? { AUTH_METRICS: metrics } : {}),
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: CLIENT_ID,
    ORIGIN_URL: ORIGIN,
    AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }, { pattern: "*" }],
    ...options.vars,
  };
  // KV outlives a test within a file: start every harness without revocations.
  await workerEnv.AUTH_KV.delete(revocationKey(String(env.OIDC_ISSUER)));
  kv.reads.length = 0;
  /** One request, awaited with the background work it scheduled (ctx.waitUntil). */
  const fetch = async (path: string, init?: RequestInit): Promise<Response> => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`https://site.test${path}`, init), env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  /** One run of the cron trigger, awaited with its background work. */
  const scheduled = async (cron = "*/5 * * * *"): Promise<void> => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron, scheduledTime: clock.nowMs }), env, ctx);
    await waitOnExecutionContext(ctx);
  };
  const bearer = (token: string, extra: Record<string, string> = {}): RequestInit => ({
    headers: { authorization: `Bearer ${token}`, ...extra },
  });
  return {
    worker,
    env,
    issuer,
    clock,
    originCalls,
    origin,
    logs,
    outbound,
    /** Keys of every KV read the worker made. */
    kvReads: kv.reads,
    kvFaults: kv.faults,
    metrics: metrics || undefined,
    fetch,
    scheduled,
    bearer,
    nowSeconds: () => Math.floor(clock.nowMs / 1000),
    advanceSeconds: (seconds: number) => {
      clock.nowMs += seconds * 1000;
    },
    /** The log lines of one event, e.g. "decision" or "key_fetch". */
    events: (event: string) => logs.filter((line) => line.event === event),
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** The real KV namespace, with every read's key recorded (to show what a request costs in KV). */
function countingKv(real: KVNamespace): { namespace: KVNamespace; reads: string[]; faults: KvFaults } {
  const reads: string[] = [];
  const faults: KvFaults = { failReads: false };
  const read = (key: string) => {
    reads.push(key);
    if (faults.failReads) throw new Error("KV GET failed: 500 Internal Server Error");
  };
  const namespace = {
    get: async (key: string, options?: unknown) => {
      read(key);
      return real.get(key, options as "text");
    },
    getWithMetadata: async (key: string, options?: unknown) => {
      read(key);
      return real.getWithMetadata(key, options as "text");
    },
    put: real.put.bind(real),
    delete: real.delete.bind(real),
    list: real.list.bind(real),
  } as unknown as KVNamespace;
  return { namespace, reads, faults };
}

/** Faults a test can inject into the worker's KV (reads only: writes go to the real namespace). */
export interface KvFaults {
  failReads: boolean;
}
