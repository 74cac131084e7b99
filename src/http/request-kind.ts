import type { UnauthenticatedAnswer } from "../config/config.ts";

export type RequestKind = "navigation" | "api";

/**
 * Whether an unauthenticated request is a top-level browser navigation (worth a login redirect) or an
 * API-style request (worth a 401). Fetch Metadata decides when present (`Sec-Fetch-Mode: navigate`);
 * otherwise an `Accept` that prefers text/html. Anything with `Authorization`, and CORS preflights,
 * are API requests.
 */
export function classifyRequest(request: Request): RequestKind {
  const headers = request.headers;
  if (headers.has("authorization")) return "api";
  if (request.method === "OPTIONS" && headers.has("access-control-request-method")) return "api";
  if (request.method !== "GET" && request.method !== "HEAD") return "api";
  const mode = headers.get("sec-fetch-mode");
  if (mode !== null) return mode === "navigate" ? "navigation" : "api";
  return prefersHtml(headers.get("accept") ?? "") ? "navigation" : "api";
}

function prefersHtml(accept: string): boolean {
  let html = -1;
  let other = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith("q="))
        ?.slice(2) ?? "1",
    );
    const weight = Number.isFinite(q) ? q : 0;
    if (type === "text/html" || type === "application/xhtml+xml") html = Math.max(html, weight);
    else if (type !== "") other = Math.max(other, type === "*/*" ? weight - 0.001 : weight);
  }
  return html > 0 && html >= other;
}

/**
 * How an unauthenticated request on a route is answered: "page" (the login redirect, HTML pages) or
 * "api" (401 with a challenge). The route's `unauthenticated` setting decides — "login" always
 * redirects, "401" never does, "auto" goes by the request kind — except that a CORS preflight is
 * never redirected.
 */
export function unauthenticatedPresentation(
  request: Request,
  setting: UnauthenticatedAnswer,
): "page" | "api" {
  if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) return "api";
  if (setting === "401") return "api";
  if (setting === "login") return "page";
  return classifyRequest(request) === "navigation" ? "page" : "api";
}
