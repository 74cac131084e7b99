import { reset } from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import { loadConfig } from "../../src/config/load-config.ts";
import { KeyCache } from "../../src/jwks/key-cache.ts";
import type { Runtime } from "../../src/platform.ts";
import { CLIENT_ID, FakeIssuer, ISSUER, makeSigningKey } from "./fake-issuer.ts";
import { type Clock, START_MS } from "./harness.ts";

export interface RigOptions {
  readonly vars?: Record<string, unknown>;
  readonly issuer?: FakeIssuer;
  readonly clock?: Clock;
  readonly kv?: KVNamespace;
  readonly keepKv?: boolean;
}

/** Background work of every rig so far: settled before the next rig empties KV under it. */
const unsettled: Promise<unknown>[] = [];

/**
 * A KeyCache on its own (one isolate's), over the same seams as the worker: frozen clock, the fake
 * issuer behind fetch, KV, and a waitUntil whose work `settle()` awaits.
 */
export async function createKeyCacheRig(options: RigOptions = {}) {
  await Promise.allSettled(unsettled.splice(0));
  if (!options.keepKv) await reset();
  const issuer = options.issuer ?? new FakeIssuer([await makeSigningKey("RS256", "rsa-1")]);
  const clock: Clock = options.clock ?? { nowMs: START_MS };
  const logs: Record<string, unknown>[] = [];
  const background: Promise<unknown>[] = [];
  const loaded = loadConfig({
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: CLIENT_ID,
    AUTH_ROUTES: [{ pattern: "*" }],
    ...options.vars,
  });
  if (!loaded.ok) throw new Error(`bad test config: ${JSON.stringify(loaded.failure)}`);
  const rt: Runtime = {
    now: () => clock.nowMs,
    fetch: async (request) => {
      const response = await issuer.handle(request);
      if (!response) throw new TypeError(`unexpected outbound fetch to ${request.url}`);
      return response;
    },
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    log: (line) => logs.push({ ...line }),
    kv: options.kv ?? workerEnv.AUTH_KV,
    waitUntil: (work) => {
      background.push(work);
      unsettled.push(work);
    },
  };
  return {
    cache: new KeyCache(loaded.value),
    config: loaded.value,
    rt,
    issuer,
    clock,
    logs,
    /** Awaits the background work scheduled so far (and what it scheduled in turn). */
    settle: async () => {
      while (background.length > 0) await Promise.all(background.splice(0));
    },
    advanceSeconds: (seconds: number) => {
      clock.nowMs += seconds * 1000;
    },
    events: (event: string) => logs.filter((line) => line.event === event),
  };
}
