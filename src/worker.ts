import { createApp } from "./app.ts";
import { DEFAULTS } from "./config/defaults.ts";
import { formatProblem, loadConfig } from "./config/load-config.ts";
import type { IsolateState } from "./gate.ts";
import { KeyCache } from "./jwks/key-cache.ts";
import { VerifiedTokenCache } from "./jwt/verified-token-cache.ts";
import { type Platform, type Runtime, workersPlatform } from "./platform.ts";
import { misconfiguredResponse } from "./respond/failure-response.ts";

type WorkerEnv = Readonly<Record<string, unknown>> & { readonly AUTH_KV: KVNamespace };
type Compiled =
  | { readonly ok: true; readonly state: IsolateState }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Builds the worker's handlers over a platform (the real one in production, a controlled one in tests).
 * The configuration is validated and compiled once per isolate and environment; a broken one answers
 * every request with a generic 500 and logs every problem with its path.
 */
export function createWorker(overrides: Partial<Platform> & { kv?: KVNamespace } = {}) {
  const platform: Platform = { ...workersPlatform, ...overrides };
  const compiledByEnv = new WeakMap<object, Compiled>();
  const app = createApp();

  const compile = (env: WorkerEnv): Compiled => {
    const known = compiledByEnv.get(env);
    if (known) return known;
    const loaded = loadConfig(env);
    const compiled: Compiled = loaded.ok
      ? {
          ok: true,
          state: {
            config: loaded.value,
            keys: new KeyCache(loaded.value),
            verifiedTokens: new VerifiedTokenCache({
              maxEntries: DEFAULTS.verifiedTokenCacheMaxEntries,
              maxBytes: DEFAULTS.verifiedTokenCacheMaxBytes,
            }),
          },
        }
      : { ok: false, problems: loaded.failure.map(formatProblem) };
    compiledByEnv.set(env, compiled);
    return compiled;
  };

  const runtime = (env: WorkerEnv, ctx: ExecutionContext): Runtime => ({
    ...platform,
    kv: overrides.kv ?? env.AUTH_KV,
    waitUntil: (work) => ctx.waitUntil(work),
  });

  return {
    async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
      const compiled = compile(env);
      if (!compiled.ok) {
        platform.log({ event: "misconfigured", problems: compiled.problems });
        return misconfiguredResponse();
      }
      return app.fetch(request, { env, rt: runtime(env, ctx), state: compiled.state }, ctx);
    },
  };
}
