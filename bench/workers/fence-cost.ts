/**
 * The microbenchmark worker for the revocation fence (bench/fence-cost.ts): each request runs one
 * operation `n` times and answers when done; the caller times requests from outside and subtracts a
 * run with n = 0. The fence is the real Durable Object class in this workerd.
 */
import { loadConfig } from "../../src/config/load-config.ts";
import { fenceClientFor, type RevocationFenceClient } from "../../src/fence/fence-client.ts";
import { createIsolateState, type IsolateState } from "../../src/isolate-state.ts";
import type { Runtime } from "../../src/platform.ts";

export { RevocationFence } from "../../src/fence/revocation-fence.ts";

interface Env {
  readonly AUTH_KV: KVNamespace;
  readonly REVOCATION_FENCE: DurableObjectNamespace;
}

const ISSUER = "https://login.example.com";
const NOW_MS = Date.UTC(2026, 10, 22, 12);
const FINGERPRINT = "B".repeat(43);

const states = new Map<string, IsolateState>();

function stateFor(name: string): IsolateState {
  let state = states.get(name);
  if (!state) {
    const loaded = loadConfig({
      OIDC_ISSUER: ISSUER,
      OIDC_CLIENT_ID: "site",
      ORIGIN_URL: "https://origin.internal",
      AUTH_ROUTES: [{ pattern: "*" }],
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.failure));
    state = createIsolateState(loaded.value);
    states.set(name, state);
  }
  return state;
}

function runtimeAt(clock: { nowMs: number }, env: Env, fence: RevocationFenceClient | undefined): Runtime {
  return {
    now: () => clock.nowMs,
    fetch: () => Promise.reject(new Error("no network here")),
    randomBytes: (length) => new Uint8Array(length),
    log: (line) => {
      // A benchmark of a fence that did not answer would measure nothing.
      if (line.event === "fence_unavailable") throw new Error(JSON.stringify(line));
    },
    kv: env.AUTH_KV,
    waitUntil: () => {},
    ...(fence ? { fence } : {}),
  };
}

/** A request's revocation check while nothing changed: the clock stands still within the interval. */
async function checkUnchanged(env: Env, n: number, withFence: boolean): Promise<void> {
  const fence = withFence ? fenceClientFor(env.REVOCATION_FENCE, ISSUER) : undefined;
  const state = stateFor(withFence ? "fence" : "kv-only");
  const rt = runtimeAt({ nowMs: NOW_MS }, env, fence);
  await state.revocations.current(rt); // KV read and first fence check done
  for (let i = 0; i < n; i++) await state.revocations.current(rt);
}

/** A check each time the interval has passed and nothing changed: one fence round trip each. */
const intervalClock = { nowMs: NOW_MS }; // the isolate state outlives a request: so does its clock

async function checkEveryInterval(env: Env, n: number): Promise<void> {
  const clock = intervalClock;
  const state = stateFor("interval");
  const rt = runtimeAt(clock, env, fenceClientFor(env.REVOCATION_FENCE, ISSUER));
  await state.revocations.current(rt);
  for (let i = 0; i < n; i++) {
    clock.nowMs += state.config.revocation.fence.intervalMs;
    await state.revocations.current(rt);
  }
}

/** A bare `changesSince` round trip to the Durable Object (a new stub each time, as the worker does). */
async function roundTrip(env: Env, n: number): Promise<void> {
  const fence = fenceClientFor(env.REVOCATION_FENCE, ISSUER)!;
  const first = await fence.changesSince(null, NOW_MS / 1000);
  for (let i = 0; i < n; i++)
    await fence.changesSince({ epoch: first.epoch, version: first.version }, NOW_MS / 1000);
}

/** One sign-out recorded (`record` of a token event). */
async function record(env: Env, n: number): Promise<void> {
  const fence = fenceClientFor(env.REVOCATION_FENCE, `${ISSUER}/record`)!;
  const nowSeconds = NOW_MS / 1000;
  for (let i = 0; i < n; i++)
    await fence.record(
      [{ kind: "token", value: FINGERPRINT, createdAt: nowSeconds, expiresAt: nowSeconds + 600 }],
      nowSeconds,
    );
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "0");
    const op = url.searchParams.get("op");
    if (op === "unchanged") await checkUnchanged(env, n, true);
    else if (op === "kv-only") await checkUnchanged(env, n, false);
    else if (op === "interval") await checkEveryInterval(env, n);
    else if (op === "rtt") await roundTrip(env, n);
    else if (op === "record") await record(env, n);
    else if (op !== "none") return new Response("unknown op", { status: 400 });
    return new Response("done");
  },
};
