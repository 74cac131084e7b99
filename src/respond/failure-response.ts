import type { Failure } from "../failure.ts";

/** Headers on every answer edge-auth makes itself: nothing it says may sit in a shared cache. */
export const NO_STORE = "private, no-store";

export interface FailureContext {
  readonly realm: string;
  /** Whether the request carried a credential (RFC 6750 §3: no `error` when none was sent). */
  readonly credentialSent: boolean;
}

/**
 * The one function that turns a failure into what the client sees: 401 with an RFC 6750 challenge,
 * 400 for a malformed Authorization header, 403, 503 with Retry-After. The body stays generic;
 * the reason goes to the log only.
 */
export function respondToFailure(failure: Failure, context: FailureContext): Response {
  const headers = new Headers({
    "cache-control": NO_STORE,
    "content-type": "application/json; charset=utf-8",
  });
  const realm = `Bearer realm="${context.realm}"`;
  switch (failure.kind) {
    case "unauthenticated":
      headers.set("www-authenticate", context.credentialSent ? `${realm}, error="invalid_token"` : realm);
      return new Response(
        JSON.stringify({ error: context.credentialSent ? "invalid_token" : "unauthenticated" }),
        { status: 401, headers },
      );
    case "bad_request":
      headers.set("www-authenticate", `${realm}, error="invalid_request"`);
      return new Response(JSON.stringify({ error: "invalid_request" }), { status: 400, headers });
    case "forbidden":
      return new Response(JSON.stringify({ error: "forbidden" }), { status: 403, headers });
    case "unavailable":
      headers.set("retry-after", String(failure.retryAfterSeconds ?? 30));
      return new Response(JSON.stringify({ error: "temporarily_unavailable" }), { status: 503, headers });
  }
}

/** The answer to every request while the configuration is broken: no details on the wire. */
export function misconfiguredResponse(): Response {
  return new Response(
    "edge-auth is misconfigured. The operator can find the details in the worker's logs.\n",
    {
      status: 500,
      headers: { "cache-control": NO_STORE, "content-type": "text/plain; charset=utf-8" },
    },
  );
}
