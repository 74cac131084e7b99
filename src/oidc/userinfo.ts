import * as oauth from "oauth4webapi";
import { badLogin, type Failure } from "../failure.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { oidcClient } from "./client.ts";

/**
 * OIDC_USERINFO: the UserInfo endpoint's claims for a sign-in (OIDC Core §5.3), fetched with the access
 * token the code exchange gave. Its `sub` must equal the ID token's (§5.3.2: otherwise the response is
 * for someone else and must not be used). Fails closed: no endpoint, an error status, a body that is
 * not a JSON object with a string `sub`, or no answer in time is `userinfo_failed` — the operator asked
 * for these claims, and route rules may depend on them.
 */
export async function fetchUserinfo(
  accessToken: string,
  expectedSub: string,
  rt: Runtime,
  state: IsolateState,
): Promise<Result<Readonly<Record<string, unknown>>, Failure>> {
  const discovery = await state.keys.discovery(rt);
  if (!discovery.ok) return discovery;
  const endpoint = discovery.value.userinfo_endpoint;
  if (!endpoint) return fail(badLogin("userinfo_failed", "the provider has no userinfo_endpoint"));
  const oidc = oidcClient(state.config, discovery.value, rt);
  const as = { ...oidc.as, userinfo_endpoint: endpoint };
  try {
    // The same fetch seam, timeout and loopback allowance as the token endpoint's requests.
    const options: oauth.UserInfoRequestOptions = {
      [oauth.customFetch]: (url, init) => rt.fetch(new Request(url, init as RequestInit)),
      ...(oidc.http.signal === undefined ? {} : { signal: oidc.http.signal }),
      ...(oidc.http[oauth.allowInsecureRequests] ? { [oauth.allowInsecureRequests]: true } : {}),
    };
    const response = await oauth.userInfoRequest(as, oidc.client, accessToken, options);
    const claims = await oauth.processUserInfoResponse(as, oidc.client, expectedSub, response);
    return ok(claims as Readonly<Record<string, unknown>>);
  } catch (error) {
    if (error instanceof oauth.OperationProcessingError && error.code === oauth.JSON_ATTRIBUTE_COMPARISON)
      return fail(badLogin("userinfo_sub_mismatch"));
    return fail(badLogin("userinfo_failed", describeUserinfoError(error)));
  }
}

/** For the log: a status or an error code, never the response body or the token. */
function describeUserinfoError(error: unknown): string {
  if (error instanceof oauth.WWWAuthenticateChallengeError)
    return `userinfo endpoint answered ${error.status} with a challenge`;
  if (error instanceof oauth.OperationProcessingError) {
    if (error.cause instanceof Response) return `userinfo endpoint answered ${error.cause.status}`;
    return error.code ?? "invalid userinfo response";
  }
  return `network error: ${error instanceof Error ? error.name : "unknown"}`;
}
