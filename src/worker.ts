import { createApp, needsRouter, respondToBug } from "./app.ts";
import { BINDINGS } from "./config/bindings.ts";
import { checkWorkerEnv } from "./config/check-env.ts";
import { formatProblem } from "./config/problem.ts";
import { type DpopReplayStore, durableReplayStore } from "./dpop/replay-store.ts";
import { fenceClientFor, type RevocationFenceClient } from "./fence/fence-client.ts";
import { gateRequest } from "./gate.ts";
import { answerAsteriskForm, isAsteriskForm } from "./http/asterisk-form.ts";
import { createIsolateState, type IsolateState } from "./isolate-state.ts";
import { type MetricsSink, metricsSinkFor } from "./observe/metrics.ts";
import { requestIdOf } from "./observe/request-id.ts";
import { startTrace, type TraceContext, traceContextFor, withTraceHeaders } from "./observe/trace-context.ts";
import { type Platform, type Runtime, workersPlatform } from "./platform.ts";
import { respondToFailure } from "./respond/failure-response.ts";

type WorkerEnv = Readonly<Record<string, unknown>> & {
  readonly AUTH_KV: KVNamespace;
  readonly DPOP_REPLAY?: Env["DPOP_REPLAY"];
};
type Compiled =
  | { readonly ok: true; readonly state: IsolateState }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Builds the worker's handlers over a platform (the real one in production, a controlled one in tests).
 * The configuration (vars, secrets and the AUTH_KV binding) is validated and compiled once per isolate
 * and environment; a broken one answers every request with a generic 500 and logs every problem with
 * its path. Warnings (a var that looks like edge-auth's but is not read) are logged once.
 * A KV namespace, a revocation fence or a DPoP replay store given in `overrides` (tests: one that is
 * down) stands in for its binding.
 */
export function createWorker(
  overrides: Partial<Platform> & {
    kv?: KVNamespace;
    fence?: RevocationFenceClient;
    dpopReplay?: DpopReplayStore;
  } = {},
) {
  const platform: Platform = { ...workersPlatform, ...overrides };
  const compiledByEnv = new WeakMap<object, Compiled>();
  const app = createApp();

  const compile = (env: WorkerEnv): Compiled => {
    const known = compiledByEnv.get(env);
    if (known) return known;
    // A KV namespace given by the platform (tests) stands in for the binding.
    const checked = checkWorkerEnv(overrides.kv ? { ...env, AUTH_KV: overrides.kv } : env);
    if (checked.warnings.length > 0)
      platform.log({ event: "config_warnings", warnings: checked.warnings.map(formatProblem) });
    const loaded = checked.config;
    const compiled: Compiled = loaded.ok
      ? { ok: true, state: createIsolateState(loaded.value) }
      : { ok: false, problems: loaded.failure.map(formatProblem) };
    compiledByEnv.set(env, compiled);
    return compiled;
  };

  const partsByEnv = new WeakMap<object, EnvironmentParts>();
  const environmentParts = (env: WorkerEnv, issuer: string): EnvironmentParts => {
    const known = partsByEnv.get(env);
    if (known) return known;
    const fence = overrides.fence ?? fenceClientFor(env[BINDINGS.fence], issuer);
    const dpopReplay =
      overrides.dpopReplay ?? (env.DPOP_REPLAY ? durableReplayStore(env.DPOP_REPLAY) : undefined);
    const parts: EnvironmentParts = {
      kv: overrides.kv ?? env.AUTH_KV,
      metrics: metricsSinkFor(env.AUTH_METRICS, platform.log),
      fence,
      dpopReplay,
    };
    partsByEnv.set(env, parts);
    return parts;
  };

  const runtime = (env: WorkerEnv, ctx: ExecutionContext, trace: TraceContext, issuer: string): Runtime =>
    new RequestRuntime(platform, environmentParts(env, issuer), ctx, trace);

  return {
    async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
      const compiled = compile(env);
      if (!compiled.ok) {
        platform.log({ event: "misconfigured", problems: compiled.problems });
        const response = respondToFailure({ kind: "misconfigured", reason: "misconfigured" });
        metricsSinkFor(env.AUTH_METRICS, platform.log).decision({
          requestId: requestIdOf(request),
          route: "(none)",
          outcome: "error",
          status: response.status,
          reason: "misconfigured",
          durationMs: 0,
        });
        return response;
      }
      const rt = runtime(
        env,
        ctx,
        traceContextFor(request.headers, platform.randomBytes),
        compiled.state.config.issuer,
      );
      const url = new URL(request.url);
      if (isAsteriskForm(url)) return answerAsteriskForm(request, rt, compiled.state.config.observe);
      if (needsRouter(url.pathname)) return app.fetch(request, { env, rt, state: compiled.state }, ctx);
      try {
        return await gateRequest(request, url, env, rt, compiled.state);
      } catch (error) {
        return respondToBug(error, request, rt, compiled.state);
      }
    },

    /**
     * The cron trigger (wrangler.toml): refreshes every issuer's discovery document and keys before
     * they go stale, through KV to every isolate, so that in steady state no request waits for a
     * provider. One log line per issuer.
     */
    async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
      const compiled = compile(env);
      if (!compiled.ok) {
        platform.log({ event: "misconfigured", problems: compiled.problems });
        return;
      }
      // Every issuer's keys, side by side: one provider's slowness does not hold up the others.
      const rt = runtime(env, ctx, startTrace(platform.randomBytes), compiled.state.config.issuer);
      const caches = [...compiled.state.issuerKeys.entries()];
      const reports = await Promise.all(caches.map(([, cache]) => cache.refresh(rt)));
      caches.forEach(([name, cache], index) => {
        const { issuer } = cache;
        platform.log({ event: "cron_refresh", cron: controller.cron, name, issuer, ...reports[index] });
      });
    },
  };
}

/** What a request's runtime takes from its environment, bound once per environment (not per request). */
interface EnvironmentParts {
  readonly kv: KVNamespace;
  readonly metrics: MetricsSink;
  readonly fence: RevocationFenceClient | undefined;
  readonly dpopReplay: DpopReplayStore | undefined;
}

/**
 * The runtime of one request (or cron run): the platform, the environment's parts and the request's
 * trace and `waitUntil`. One object per request with its methods on the prototype, not a literal
 * with two new closures and a copy of the environment's parts.
 */
class RequestRuntime implements Runtime {
  readonly now: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
  readonly log: Platform["log"];
  readonly kv: KVNamespace;
  readonly metrics: MetricsSink;
  readonly fence: RevocationFenceClient | undefined;
  readonly dpopReplay: DpopReplayStore | undefined;
  readonly trace: TraceContext;
  readonly #platformFetch: Platform["fetch"];
  readonly #ctx: ExecutionContext;

  constructor(platform: Platform, parts: EnvironmentParts, ctx: ExecutionContext, trace: TraceContext) {
    this.now = platform.now;
    this.randomBytes = platform.randomBytes;
    this.log = platform.log;
    this.kv = parts.kv;
    this.metrics = parts.metrics;
    this.fence = parts.fence;
    this.dpopReplay = parts.dpopReplay;
    this.trace = trace;
    this.#platformFetch = platform.fetch;
    this.#ctx = ctx;
  }

  /** Every fetch of the request (provider, origin) carries its trace (W3C Trace Context §3.4). */
  fetch(request: Request): Promise<Response> {
    return this.#platformFetch(withTraceHeaders(request, this.trace));
  }

  waitUntil(work: Promise<unknown>): void {
    this.#ctx.waitUntil(work);
  }
}
