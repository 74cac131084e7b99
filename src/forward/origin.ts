import type { GateConfig } from "../config/config.ts";
import { setTraceHeaders } from "../observe/trace-context.ts";
import type { Runtime } from "../platform.ts";
import { respondToFailure } from "../respond/failure-response.ts";

/** Where a request that passed the gate goes: `ORIGIN_URL`, else the `ASSETS` binding, else the zone. */
export type OriginTarget =
  | { readonly kind: "url"; readonly base: URL }
  | { readonly kind: "assets"; readonly assets: Fetcher }
  | { readonly kind: "zone" };

export function chooseOrigin(config: GateConfig, env: Readonly<Record<string, unknown>>): OriginTarget {
  if (config.originUrl) return { kind: "url", base: config.originUrl };
  const assets = env.ASSETS as Fetcher | undefined;
  if (assets && typeof assets.fetch === "function") return { kind: "assets", assets };
  return { kind: "zone" };
}

/** What the origin said, or why it could not be asked (for the log; the client sees a generic 502). */
export type OriginAnswer =
  | { readonly ok: true; readonly response: Response }
  | { readonly ok: false; readonly response: Response; readonly problem: string };

/** How a request goes to the origin. */
export interface ForwardOptions {
  /**
   * Whether it carries an identity (identity headers, the token). Such a request to the zone or
   * `ORIGIN_URL` never goes through Cloudflare's cache (`cache: "no-store"`): a per-user answer stored
   * there would be served to the next admitted user, whose identity the origin would never see.
   */
  readonly identified: boolean;
}

/**
 * The request the origin will get, made once per request as soon as the route is known: method,
 * path, query and body unchanged, the client's headers copied (the gate then edits
 * `outgoing.headers` in place: one copy of the headers, not two), and the origin's redirects passed
 * back to the client rather than followed. An identified request to the zone or `ORIGIN_URL` bypasses
 * the edge cache both ways (neither looked up nor stored); a public one may be cached as the zone says.
 */
export function outgoingRequest(
  request: Request,
  requestUrl: URL,
  target: OriginTarget,
  options: ForwardOptions,
): Request {
  let url = request.url;
  if (target.kind === "url") {
    const joined = new URL(target.base);
    const basePath = joined.pathname.replace(/\/$/, "");
    joined.pathname = `${basePath}${requestUrl.pathname}`;
    joined.search = requestUrl.search;
    url = joined.href;
  }
  return new Request(url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: "manual",
    // Workers' standard `cache` option (compatibility date 2024-11-11 on, `cache_option_enabled`).
    // The ASSETS binding serves the same static files to everyone: no per-user answer to keep out of
    // a cache there (and the option costs a few per cent of a forwarded request: docs/benchmarks.md).
    ...(options.identified && target.kind !== "assets" ? { cache: "no-store" } : {}),
  });
}

/**
 * Sends the outgoing request (see `outgoingRequest`) to the origin, in the request's trace. An origin
 * that cannot be reached is a 502 of edge-auth's own, never a thrown error.
 */
export async function forwardToOrigin(
  outgoing: Request,
  target: OriginTarget,
  rt: Runtime,
): Promise<OriginAnswer> {
  // The origin sees edge-auth's hop as the parent of its own span, in the caller's trace or a new one.
  if (rt.trace) setTraceHeaders(outgoing.headers, rt.trace);
  try {
    const response = await (target.kind === "assets" ? target.assets.fetch(outgoing) : rt.fetch(outgoing));
    return { ok: true, response };
  } catch (error) {
    const problem = error instanceof Error ? error.name : "unknown";
    const response = respondToFailure({ kind: "bad_gateway", reason: "origin_unreachable" });
    return { ok: false, response, problem };
  }
}

/** Cache-Control for shared caches only (Cloudflare, other CDNs): they would override `private`. */
const SHARED_CACHE_HEADERS = ["cdn-cache-control", "cloudflare-cdn-cache-control", "surrogate-control"];

/** A bare `private` or `no-store` directive (`private="set-cookie"` keeps the rest shareable). */
const UNSHAREABLE = /(^|[\s,])(private|no-store)\s*($|,)/i;

/**
 * An origin's answer to an identified request is about that identity: whatever the origin said,
 * no shared cache may keep it (`public` becomes `private`; a bare `private`/`no-store` stays), and
 * the headers that speak to shared caches alone are removed. A protocol switch (101, a WebSocket)
 * is passed through untouched: rebuilding it would break the connection.
 */
export function keepPrivate(response: Response): Response {
  if (response.status === 101 || response.webSocket) return response;
  const cacheControl = response.headers.get("cache-control");
  const rewritten = new Response(response.body, response);
  for (const name of SHARED_CACHE_HEADERS) rewritten.headers.delete(name);
  if (cacheControl === null) {
    rewritten.headers.set("cache-control", "private");
    return rewritten;
  }
  if (UNSHAREABLE.test(cacheControl)) return rewritten;
  const kept = cacheControl
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "" && !/^(public|s-maxage|private)\b/i.test(d));
  rewritten.headers.set("cache-control", ["private", ...kept].join(", "));
  return rewritten;
}
