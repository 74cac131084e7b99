import type { Platform } from "../platform.ts";

export type FetchOutcome =
  | {
      readonly ok: true;
      readonly body: unknown;
      readonly maxAgeSeconds: number | undefined;
      readonly status: number;
    }
  | { readonly ok: false; readonly problem: string; readonly status?: number };

export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/**
 * GETs a provider document (discovery or JWKS) and judges only the transport: 200, no redirect
 * followed, within the timeout and the size cap, JSON. Never throws.
 */
export async function fetchProviderJson(
  platform: Platform,
  url: string,
  limits: FetchLimits,
): Promise<FetchOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    const response = await platform.fetch(
      new Request(url, {
        headers: { accept: "application/json" },
        redirect: "manual",
        signal: controller.signal,
      }),
    );
    if (response.status !== 200) {
      await response.body?.cancel();
      return { ok: false, problem: `status ${response.status}`, status: response.status };
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > limits.maxBytes) {
      await response.body?.cancel();
      return { ok: false, problem: `body of ${declared} bytes exceeds ${limits.maxBytes}`, status: 200 };
    }
    const text = await readCapped(response, limits.maxBytes);
    if (text === undefined)
      return { ok: false, problem: `body exceeds ${limits.maxBytes} bytes`, status: 200 };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, problem: "body is not JSON", status: 200 };
    }
    return { ok: true, body, maxAgeSeconds: parseMaxAge(response.headers.get("cache-control")), status: 200 };
  } catch (error) {
    return {
      ok: false,
      problem: controller.signal.aborted
        ? `timed out after ${limits.timeoutMs} ms`
        : `network error: ${describe(error)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
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
