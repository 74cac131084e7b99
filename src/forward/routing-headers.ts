import { canonicalHeaderName } from "./header-name.ts";

/**
 * Request headers that tell an origin where a request came from, what it asked for or how to route it,
 * and that no client may set: the origin would trust them over the request itself. Removed before the
 * origin on every route, public ones too, matched case-insensitively and with `_` read as `-`.
 * docs/security.md explains each group; a header is listed only where a server or framework is known
 * to read it.
 */
export const CLIENT_ROUTING_HEADERS = {
  /**
   * The URL to route by instead of the request line: set by IIS URL Rewrite and read by PHP frameworks
   * (Symfony before CVE-2018-14773, Zend Framework before ZF2018-01, and others since): a request for
   * a public path with `X-Original-URL: /admin` is served the admin page.
   */
  rewrittenUrl: ["x-original-url", "x-rewrite-url"],
  /**
   * The method to route by instead of the request's: Express `method-override`, Rack and Rails,
   * Symfony and Laravel (`X-HTTP-Method-Override`), OData and ASP.NET (`X-HTTP-Method`), Google APIs
   * (`X-Method-Override`). A POST the gate judged as a POST would run as a DELETE.
   */
  methodOverride: ["x-http-method-override", "x-http-method", "x-method-override"],
  /**
   * The client's address, the host and the scheme as a proxy saw them (RFC 7239 `Forwarded`, and the
   * de-facto `X-Forwarded-*` family below), and the client-address headers that IP libraries read
   * (nginx `X-Real-IP`, `X-Client-IP`, `X-Cluster-Client-IP`, `X-Forwarded`, `Forwarded-For`). An
   * origin that trusts its proxy believes them: IP allow-lists, absolute URLs, redirects, "is https".
   * With `FORWARDED_HEADERS = "set"`, edge-auth writes its own `X-Forwarded-For/-Proto/-Host`.
   */
  forwarding: [
    "forwarded",
    "x-forwarded",
    "forwarded-for",
    "x-real-ip",
    "x-client-ip",
    "x-cluster-client-ip",
  ],
  /**
   * Next.js internals: `x-middleware-subrequest` skips the middleware (where sites check sign-in,
   * CVE-2025-29927); the rest are the headers Next.js's own servers strip from outside requests
   * (`filterInternalHeaders`, `stripInternalHeaders` in Next.js's source), as an older or
   * self-hosted Next.js may not. `x-nextjs-data` and `x-middleware-prefetch` are not listed: Next.js's
   * own client router sends them.
   */
  nextjs: [
    "x-middleware-subrequest",
    "x-middleware-subrequest-id",
    "x-middleware-invoke",
    "x-middleware-rewrite",
    "x-middleware-redirect",
    "x-middleware-set-cookie",
    "x-middleware-skip",
    "x-middleware-override-headers",
    "x-middleware-next",
    "x-invoke-path",
    "x-invoke-query",
    "x-invoke-output",
    "x-invoke-status",
    "x-invoke-error",
    "x-now-route-matches",
    "x-matched-path",
    "x-nextjs-request-id",
    "x-nextjs-html-request-id",
    "x-next-resume-state-length",
    "next-resume",
  ],
} as const;

/** Every header starting with one of these is removed too (`X-Forwarded-For`, `-Host`, `-Prefix`…). */
export const CLIENT_ROUTING_HEADER_PREFIXES = ["x-forwarded-"] as const;

const EXACT: ReadonlySet<string> = new Set(Object.values(CLIENT_ROUTING_HEADERS).flat());

/** Whether a request header name (any case, `_` for `-`) is one a client may not send to the origin. */
export function isClientRoutingHeader(name: string): boolean {
  return isFoldedClientRoutingHeader(canonicalHeaderName(name));
}

/** The same, for a name already folded by `canonicalHeaderName`. */
export function isFoldedClientRoutingHeader(folded: string): boolean {
  return EXACT.has(folded) || CLIENT_ROUTING_HEADER_PREFIXES.some((prefix) => folded.startsWith(prefix));
}
