import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env as workerEnv } from "cloudflare:workers";
import { createWorker } from "../../src/worker.ts";
import { CLIENT_ID, FakeIssuer, ISSUER, makeSigningKey } from "./fake-issuer.ts";
import { FakeLoginProvider } from "./fake-login-provider.ts";
import { countingKv } from "./kv.ts";

export const ORIGIN = "https://origin.test";
export const SITE = "https://site.test";
/** A session secret for tests only (random enough to pass the strength check). */
export const TEST_SESSION_SECRET = "test-only-session-secret-6f1d9c2ab7e04f38";

export interface OriginCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
}

export interface HarnessOptions {
  readonly vars?: Record<string, unknown>;
  readonly issuer?: FakeIssuer;
  readonly nowMs?: number;
}

/**
 * The real worker over a controlled platform: a frozen clock, a fake issuer and a recording origin
 * behind the fetch seam, and captured log lines.
 */
export async function createHarness(options: HarnessOptions = {}) {
  const issuer = options.issuer ?? new FakeIssuer([await makeSigningKey("RS256", "rsa-1")]);
  const clock = { nowMs: options.nowMs ?? Date.UTC(2026, 10, 22, 12, 0, 0) };
  const originCalls: OriginCall[] = [];
  const logs: Record<string, unknown>[] = [];
  const outbound: string[] = [];
  const provider = new FakeLoginProvider(issuer, () => Math.floor(clock.nowMs / 1000));
  const kv = countingKv(workerEnv.AUTH_KV);
  const platform: Parameters<typeof createWorker>[0] = {
    kv: kv.namespace,
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
        return new Response("from origin", { status: 200, headers: { "x-origin": "yes" } });
      }
      throw new TypeError(`unexpected outbound fetch to ${request.url}`);
    },
  };
  const worker = createWorker(platform);
  const env = {
    AUTH_KV: workerEnv.AUTH_KV,
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: CLIENT_ID,
    ORIGIN_URL: ORIGIN,
    AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }, { pattern: "*" }],
    SESSION_SECRET: TEST_SESSION_SECRET,
    ...options.vars,
  };
  /** Requests to a worker: a path on https://site.test, or an absolute URL (e.g. http://127.0.0.1). */
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
  const bearer = (token: string, extra: Record<string, string> = {}): RequestInit => ({
    headers: { authorization: `Bearer ${token}`, ...extra },
  });
  return {
    worker,
    env,
    issuer,
    provider,
    kv,
    clock,
    originCalls,
    logs,
    outbound,
    fetch,
    otherIsolate,
    bearer,
    nowSeconds: () => Math.floor(clock.nowMs / 1000),
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
