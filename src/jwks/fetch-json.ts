import type { MetricsSink } from "../observe/metrics.ts";
import type { Platform } from "../platform.ts";
import type { FetchFailureKind } from "./vocabulary.ts";

export type FetchOutcome =
  | {
      readonly ok: true;
      readonly body: unknown;
      readonly maxAgeSeconds: number | undefined;
      readonly status: number;
    }
  | {
      readonly ok: false;
      readonly kind: FetchFailureKind;
      readonly problem: string;
      readonly status?: number;
    };

export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/**
 * GETs a provider document (discovery or JWKS) and judges only the transport: 200, no redirect
 * followed, within the timeout (for the headers and the body together) and the size cap, JSON.
 * Never throws. Each fetch is counted in the runtime's metrics when it has them (docs/operations.md).
 */
export async function fetchProviderJson(
  platform: Platform & { readonly metrics?: MetricsSink },
  url: string,
  limits: FetchLimits,
): Promise<FetchOutcome> {
  const startedAt = platform.now();
  const outcome = await fetchOnce(platform, url, limits);
  const path = url.split(/[?#]/, 1)[0] ?? "";
  platform.metrics?.providerFetch({
    url: path,
    document: path.endsWith("/.well-known/openid-configuration") ? "discovery" : "jwks",
    outcome: outcome.ok ? "ok" : outcome.kind,
    ...(outcome.status === undefined ? {} : { status: outcome.status }),
    durationMs: platform.now() - startedAt,
  });
  return outcome;
}

async function fetchOnce(platform: Platform, url: string, limits: FetchLimits): Promise<FetchOutcome> {
  const controller = new AbortController();
  // The deadline is raced as well as signalled: a body that trickles in, or a fetch that ignores the
  // signal, still ends at the deadline.
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(new Error("deadline")));
  });
  deadline.catch(() => {});
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  let response: Response | undefined;
  try {
    response = await Promise.race([
      platform.fetch(
        new Request(url, {
          headers: { accept: "application/json" },
          redirect: "manual",
          signal: controller.signal,
        }),
      ),
      deadline,
    ]);
    if (response.status !== 200) {
      cancelQuietly(response);
      return {
        ok: false,
        kind: "http_status",
        problem: `status ${response.status}`,
        status: response.status,
      };
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > limits.maxBytes) {
      cancelQuietly(response);
      return {
        ok: false,
        kind: "too_large",
        problem: `body of ${declared} bytes exceeds ${limits.maxBytes}`,
        status: 200,
      };
    }
    const text = await readCapped(response, limits.maxBytes, deadline);
    if (text === undefined)
      return { ok: false, kind: "too_large", problem: `body exceeds ${limits.maxBytes} bytes`, status: 200 };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, kind: "not_json", problem: "body is not JSON", status: 200 };
    }
    return { ok: true, body, maxAgeSeconds: parseMaxAge(response.headers.get("cache-control")), status: 200 };
  } catch (error) {
    if (response) cancelQuietly(response);
    return controller.signal.aborted
      ? { ok: false, kind: "timeout", problem: `timed out after ${limits.timeoutMs} ms` }
      : { ok: false, kind: "network", problem: `network error: ${describe(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

function cancelQuietly(response: Response): void {
  if (response.body && !response.bodyUsed) response.body.cancel().catch(() => {});
}

async function readCapped(
  response: Response,
  maxBytes: number,
  deadline: Promise<never>,
): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** `max-age` from Cache-Control (RFC 9111 §5.2.2.1); `no-store`/`no-cache` count as 0. */
export function parseMaxAge(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  const directives = cacheControl.toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)($|[\s,=])/.test(directives)) return 0;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/.exec(directives);
  return match ? Number(match[1]) : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : "unknown";
}
