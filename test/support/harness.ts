import {
  createExecutionContext,
  createScheduledController,
  reset,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import type { DpopReplayStore } from "../../src/dpop/replay-store.ts";
import { fenceClientFor, type RevocationFenceClient } from "../../src/fence/fence-client.ts";
import { revocationKey } from "../../src/revocation/revocation-document.ts";
import { createWorker } from "../../src/worker.ts";
import { FakeDataset } from "./fake-dataset.ts";
import { CLIENT_ID, FakeIssuer, ISSUER, makeSigningKey } from "./fake-issuer.ts";
import { FakeLoginProvider } from "./fake-login-provider.ts";

export const ORIGIN = "https://origin.test";
export const SITE = "https://site.test";
/** A session secret for tests only (random enough to pass the strength check). */
export const TEST_SESSION_SECRET = "test-only-session-secret-6f1d9c2ab7e04f38";
/** HEALTH_TOKEN for tests only: sent as a bearer token, it shows `/auth/health` in detail. */
export const TEST_HEALTH_TOKEN = "test-only-health-token-0c5e7a91d3b24f68";
/** The request options that ask `/auth/health` for the whole document. */
export const HEALTH_DETAIL: RequestInit = { headers: { authorization: `Bearer ${TEST_HEALTH_TOKEN}` } };

export interface OriginCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
  /** The request's `cache` mode (`no-store` keeps it out of Cloudflare's cache); undefined when unset. */
  readonly cache: string | undefined;
}

/** The frozen clock; share one between harnesses to run several isolates on one timeline. */
export interface Clock {
  nowMs: number;
}

export interface HarnessOptions {
  readonly vars?: Record<string, unknown>;
  readonly issuer?: FakeIssuer;
  /** More providers behind the fetch seam (the issuers of AUTH_ISSUERS), each at its own origin. */
  readonly otherIssuers?: readonly FakeIssuer[];
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
  /** The revocation fence (the REVOCATION_FENCE Durable Object): on by default, `false` for none (unbound). */
  readonly fence?: boolean;
  /** A DPoP replay store to use instead of the DPOP_REPLAY Durable Object (e.g. one that is down). */
  readonly dpopReplay?: DpopReplayStore;
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
  /** Every outbound fetch with its headers (provider and origin), in order. */
  const outboundRequests: { readonly url: string; readonly headers: Headers }[] = [];
  /** Hooks on the origin: run when it is called (e.g. advance the clock), or replace its answer. */
  const origin = {
    beforeAnswer: undefined as (() => void) | undefined,
    respond: undefined as (() => Response) | undefined,
  };
  const provider = new FakeLoginProvider(issuer, () => Math.floor(clock.nowMs / 1000));
  const kv = countingKv(workerEnv.AUTH_KV);
  const issuerUrl = String(options.vars?.OIDC_ISSUER ?? ISSUER);
  const fence =
    options.fence === false ? undefined : faultyFence(fenceClientFor(workerEnv.REVOCATION_FENCE, issuerUrl)!);
  const platform: Parameters<typeof createWorker>[0] = {
    kv: options.kv ?? kv.namespace,
    ...(fence ? { fence: fence.client } : {}),
    ...(options.dpopReplay ? { dpopReplay: options.dpopReplay } : {}),
    now: () => clock.nowMs,
    log: (line) => logs.push({ ...line }),
    fetch: async (request) => {
      outbound.push(request.url);
      outboundRequests.push({ url: request.url, headers: new Headers(request.headers) });
      for (const provider of [issuer, ...(options.otherIssuers ?? [])]) {
        const fromIssuer = await provider.handle(request);
        if (fromIssuer) return fromIssuer;
      }
      if (new URL(request.url).origin === ORIGIN) {
        originCalls.push({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: await request.text(),
          cache: request.cache,
        });
        origin.beforeAnswer?.();
        if (origin.respond) return origin.respond();
        return new Response("from origin", { status: 200, headers: { "x-origin": "yes" } });
      }
      throw new TypeError(`unexpected outbound fetch to ${request.url}`);
    },
  };
  const worker = createWorker(platform);
  const metrics = options.metrics === undefined ? new FakeDataset() : options.metrics;
  const env = {
    AUTH_KV: kv.namespace,
    DPOP_REPLAY: workerEnv.DPOP_REPLAY,
    ...(metrics ? { AUTH_METRICS: metrics } : {}),
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: CLIENT_ID,
    ORIGIN_URL: ORIGIN,
    AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }, { pattern: "*" }],
    SESSION_SECRET: TEST_SESSION_SECRET,
    HEALTH_TOKEN: TEST_HEALTH_TOKEN,
    // The fence runs in this workerd on a busy machine: its real-time deadline is not what tests measure.
    REVOCATION_FENCE_TIMEOUT_MS: 5000,
    ...options.vars,
  };
  // KV outlives a test within a file: start every harness without revocations.
  await workerEnv.AUTH_KV.delete(revocationKey(String(env.OIDC_ISSUER)));
  kv.reads.length = 0;
  /**
   * Requests to a worker (a path on https://site.test, or an absolute URL such as http://127.0.0.1),
   * each awaited with the background work it scheduled (ctx.waitUntil).
   */
  const fetcherFor =
    (target: ReturnType<typeof createWorker>) =>
    async (pathOrUrl: string, init?: RequestInit): Promise<Response> => {
      const ctx = createExecutionContext();
      const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${SITE}${pathOrUrl}`;
      const response = await target.fetch(new Request(url, init), env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
  const fetch = fetcherFor(worker);
  /** Another isolate of the same deployment: same KV, provider and clock, its own memory. */
  const otherIsolate = () => fetcherFor(createWorker(platform));
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
    provider,
    /** What the worker did in KV: keys read, per-kind counts of the sign-in and session records, faults. */
    kv,
    clock,
    originCalls,
    origin,
    logs,
    outbound,
    outboundRequests,
    /** Keys of every KV read the worker made. */
    kvReads: kv.reads,
    kvFaults: kv.faults,
    /** The revocation fence as the worker sees it: calls counted, faults a test can switch on. */
    fence,
    metrics: metrics || undefined,
    fetch,
    otherIsolate,
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

/** Key prefixes of the sign-in flow's own records (sessions, used login states). */
const LOGIN_RECORD_PREFIXES = ["session:", "login-used:"];

/**
 * The real KV namespace, with every read's key recorded (to show what a request costs in KV), the
 * operations on sign-in and session records counted, and read faults a test can switch on.
 */
function countingKv(real: KVNamespace) {
  const reads: string[] = [];
  const faults: KvFaults = { failReads: false };
  /** Operations on the sign-in flow's records only (key-cache and revocation reads are in `reads`). */
  const counts = { get: 0, put: 0, delete: 0 };
  const count = (op: keyof typeof counts, key: string) => {
    if (LOGIN_RECORD_PREFIXES.some((prefix) => key.startsWith(prefix))) counts[op]++;
  };
  const read = (key: string) => {
    reads.push(key);
    count("get", key);
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
    put: (key: string, value: string, options?: KVNamespacePutOptions) => {
      count("put", key);
      return real.put(key, value, options);
    },
    delete: (key: string) => {
      count("delete", key);
      return real.delete(key);
    },
    list: real.list.bind(real),
  } as unknown as KVNamespace;
  return { namespace, reads, faults, counts, inner: real };
}

/** Faults a test can inject into the revocation fence: down (every call throws) or hanging (never answers). */
export interface FenceFaults {
  down: boolean;
  hang: boolean;
}

/** The real fence (a Durable Object in this workerd), with its calls counted and faults to switch on. */
function faultyFence(real: RevocationFenceClient) {
  const faults: FenceFaults = { down: false, hang: false };
  const calls = { record: 0, changesSince: 0 };
  const gate = async () => {
    if (faults.down) throw new Error("Durable Object is overloaded");
    if (faults.hang) await new Promise(() => {});
  };
  const client: RevocationFenceClient = {
    record: async (events, nowSeconds) => {
      calls.record++;
      await gate();
      return real.record(events, nowSeconds);
    },
    changesSince: async (cursor, nowSeconds) => {
      calls.changesSince++;
      await gate();
      return real.changesSince(cursor, nowSeconds);
    },
  };
  return { client, faults, calls, real };
}

/** Faults a test can inject into the worker's KV (reads only: writes go to the real namespace). */
export interface KvFaults {
  failReads: boolean;
}
