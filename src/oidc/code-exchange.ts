import * as oauth from "oauth4webapi";
import { AUTH_PATHS } from "../config/defaults.ts";
import { badLogin, type Failure, unavailable } from "../failure.ts";
import type { IsolateState } from "../isolate-state.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { describeOAuthError, oidcClient } from "./client.ts";
import type { LoginTransaction } from "./transaction.ts";

/** What the token endpoint gave for the code. */
export interface ExchangedTokens {
  readonly idToken: string;
  readonly refreshToken: string | undefined;
  /** For the UserInfo request (OIDC_USERINFO); never stored. */
  readonly accessToken: string;
}

/**
 * The token request (RFC 6749 §4.1.3 with the PKCE verifier, RFC 7636 §4.5) through oauth4webapi,
 * which also checks the RFC 9207 `iss` parameter and the token response's shape and claims (nonce,
 * auth_time) on the platform's clock. It does not check the ID token's signature: the caller verifies
 * the returned ID token with edge-auth's own verifier. A provider that fails or cannot be reached is
 * `unavailable`; anything it refuses is a failed sign-in.
 */
export async function exchangeCode(
  params: URLSearchParams,
  url: URL,
  transaction: LoginTransaction,
  rt: Runtime,
  state: IsolateState,
): Promise<Result<ExchangedTokens, Failure>> {
  const { config } = state;
  const discovery = await state.keys.discovery(rt);
  if (!discovery.ok) return discovery;
  if (!discovery.value.token_endpoint)
    return fail(badLogin("code_exchange_failed", "the provider has no token_endpoint"));
  const oidc = oidcClient(config, discovery.value, rt);
  try {
    // Checks the RFC 9207 `iss` parameter when the provider sends one; the state was checked above.
    const callbackParams = oauth.validateAuthResponse(oidc.as, oidc.client, params, transaction.state);
    const response = await oauth.authorizationCodeGrantRequest(
      oidc.as,
      oidc.client,
      oidc.auth,
      callbackParams,
      `${url.origin}${AUTH_PATHS.callback}`,
      transaction.codeVerifier,
      oidc.http,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(oidc.as, oidc.client, response, {
      expectedNonce: transaction.nonce,
      maxAge: transaction.maxAgeSeconds ?? oauth.skipAuthTimeCheck,
      requireIdToken: true,
    });
    if (typeof tokens.id_token !== "string") return fail(badLogin("id_token_missing"));
    return ok({
      idToken: tokens.id_token,
      refreshToken: tokens.refresh_token,
      accessToken: tokens.access_token,
    });
  } catch (error) {
    const problem = describeOAuthError(error, "code_exchange_failed");
    return fail(
      problem.transient
        ? unavailable(problem.reason, config.unavailableRetryAfterSeconds, problem.detail)
        : badLogin(problem.reason, problem.detail),
    );
  }
}
