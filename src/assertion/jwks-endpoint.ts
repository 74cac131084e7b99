import type { IsolateState } from "../isolate-state.ts";
import { NO_STORE } from "../respond/no-store.ts";

/**
 * `GET /auth/jwks.json`: the public keys that verify `X-Auth-Assertion` (RFC 7517 §5), the current
 * one first, cacheable by anyone for `jwksMaxAgeSeconds`. Never a private member. 404 when
 * assertions are not configured.
 */
export async function respondWithAssertionJwks(state: IsolateState): Promise<Response> {
  const { assertions, config } = state;
  if (assertions === undefined || config.assertion === undefined)
    return new Response("Signed identity assertions are not configured here.\n", {
      status: 404,
      headers: { "cache-control": NO_STORE, "content-type": "text/plain; charset=utf-8" },
    });
  return new Response(JSON.stringify(await assertions.publicJwks()), {
    headers: {
      "content-type": "application/jwk-set+json",
      "cache-control": `public, max-age=${config.assertion.jwksMaxAgeSeconds}`,
    },
  });
}
