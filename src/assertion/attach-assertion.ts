import type { RoutePolicy } from "../config/config.ts";
import type { VerifiedIdentity } from "../identity.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { ASSERTION_HEADER } from "./assertion-config.ts";
import { assertionClaimSet } from "./claims.ts";

/**
 * Sets `X-Auth-Assertion` on a request that is about to be forwarded with a verified identity, when
 * ASSERTION_SIGNING_KEY is configured (otherwise it does nothing). Fails only when the key cannot
 * sign; the caller must then not forward the request, since the origin may rely on the assertion.
 */
export async function attachAssertion(
  headers: Headers,
  identity: VerifiedIdentity,
  route: RoutePolicy,
  requestUrl: URL,
  rt: Runtime,
  state: IsolateState,
): Promise<Result<void, string>> {
  const { assertions, config } = state;
  if (assertions === undefined || config.assertion === undefined) return ok(undefined);
  const claims = assertionClaimSet(
    identity,
    {
      siteOrigin: requestUrl.origin,
      destinationOrigin: config.originUrl?.origin ?? requestUrl.origin,
      route,
    },
    config.assertion,
  );
  const signed = await assertions.assertionFor(claims, rt.now());
  if (!signed.ok) {
    rt.log({ event: "misconfigured", problems: [`ASSERTION_SIGNING_KEY: ${signed.failure}`] });
    return fail(signed.failure);
  }
  headers.set(ASSERTION_HEADER, signed.value.jwt);
  return ok(undefined);
}
