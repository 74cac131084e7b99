import type { DpopReplayStore } from "./dpop/replay-store.ts";
import type { RevocationFenceClient } from "./fence/fence-client.ts";
import type { MetricsSink } from "./observe/metrics.ts";
import type { TraceContext } from "./observe/trace-context.ts";

/**
 * The one seam for side effects. Everything that reads the clock, goes to the network, draws random
 * bytes, touches KV, schedules background work or writes a log line gets it from here, so tests can
 * freeze time, take the provider down, rotate keys and count fetches without patching globals.
 */
export interface Platform {
  /** Milliseconds since the epoch. */
  now(): number;
  fetch(request: Request): Promise<Response>;
  randomBytes(length: number): Uint8Array;
  log(line: Readonly<Record<string, unknown>>): void;
}

/** A platform plus the per-request bindings: KV, the request's `waitUntil`, and metrics when bound. */
export interface Runtime extends Platform {
  readonly kv: KVNamespace;
  waitUntil(work: Promise<unknown>): void;
  /** The `AUTH_METRICS` Analytics Engine dataset; absent or a no-op when not bound. */
  readonly metrics?: MetricsSink;
  /** The issuer's revocation fence (the `REVOCATION_FENCE` Durable Object); absent when not bound. */
  readonly fence?: RevocationFenceClient;
  /** The DPoP replay store (the `DPOP_REPLAY` Durable Object); absent when not bound: nothing is fresh. */
  readonly dpopReplay?: DpopReplayStore;
  /**
   * The W3C trace this request (or cron run) belongs to. The worker's runtime sends it with every
   * fetch it makes (provider and origin) and the decision line carries its id.
   */
  readonly trace?: TraceContext;
}

export const workersPlatform: Platform = {
  now: () => Date.now(),
  fetch: (request) => fetch(request),
  randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
  log: (line) => console.log(JSON.stringify(line)),
};
