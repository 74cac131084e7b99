import type { ObserveSettings } from "../config/config.ts";
import { recordDecision } from "../observe/decision-log.ts";
import { requestIdOf } from "../observe/request-id.ts";
import type { Runtime } from "../platform.ts";
import { NO_STORE } from "../respond/no-store.ts";

/** The methods edge-auth passes on to origins, as a server-wide `OPTIONS *` answer lists them. */
export const SERVER_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/**
 * Whether the request target was the asterisk-form `*` (RFC 9112 §3.2.4), which names the server, not a
 * resource. A request URL cannot say `*`: workerd's own HTTP server refuses such a request before any
 * worker runs, and `wrangler dev` glues the target to the host (host `127.0.0.1*`, path `/`). A `*` is
 * never part of a real host name, so a host holding one is read as the asterisk-form, never as `/`.
 */
export function isAsteriskForm(url: URL): boolean {
  return url.hostname.includes("*");
}

/**
 * Answers an asterisk-form request at the edge, since it names no resource a route rule could judge
 * and no origin URL to send it to: `OPTIONS *` (RFC 9110 §9.3.7) gets 204 with `Allow`, any other
 * method 400 (RFC 9112 §3.2.4 allows `*` for OPTIONS only). Both are one recorded decision.
 */
export function answerAsteriskForm(request: Request, rt: Runtime, observe: ObserveSettings): Response {
  const startedAt = rt.now();
  const options = request.method === "OPTIONS";
  const response = options
    ? new Response(null, { status: 204, headers: { allow: SERVER_METHODS, "cache-control": NO_STORE } })
    : new Response("The request target * is only for OPTIONS.\n", {
        status: 400,
        headers: { "cache-control": NO_STORE, "content-type": "text/plain; charset=utf-8" },
      });
  recordDecision(rt, observe, {
    requestId: requestIdOf(request),
    route: "(server)",
    outcome: options ? "answered" : "refused",
    status: response.status,
    ...(options ? {} : { reason: "asterisk_form" }),
    credential: "none",
    durationMs: rt.now() - startedAt,
  });
  return response;
}
