import * as oauth from "oauth4webapi";
import { AUTH_PATHS } from "../config/defaults.ts";
import { type ReasonCode, unavailable } from "../failure.ts";
import { cookieScheme, expireCookie, parseCookies, serializeCookie } from "../http/cookies.ts";
import type { IsolateState } from "../isolate-state.ts";
import { recordDecision } from "../observe/decision-log.ts";
import { requestIdOf } from "../observe/request-id.ts";
import type { Runtime } from "../platform.ts";
import { redirect, respondToFailure } from "../respond/failure-response.ts";
import { loginUrlFor } from "./login-url.ts";
import { safeReturnTo } from "./return-to.ts";
import { stepUpForLogin } from "./step-up-login.ts";
import { newTransaction, sealTransaction, transactionCookieName, transactionsToDrop } from "./transaction.ts";

/**
 * GET /auth/login?return_to=<path>: starts one sign-in attempt (OIDC Core §3.1.2.1, code flow with
 * PKCE S256, RFC 7636). The attempt's random state, nonce and code verifier go into a sealed cookie of
 * its own, named after the state, valid for a few minutes; the browser is sent to the provider's
 * authorization endpoint. Every call is a new attempt, so several tabs can sign in at once.
 */
export async function startLogin(request: Request, rt: Runtime, state: IsolateState): Promise<Response> {
  const startedAt = rt.now();
  const { config, secrets } = state;
  const url = new URL(request.url);
  const scheme = cookieScheme(url, config.session.cookieName);
  const returnTo = safeReturnTo(url.searchParams.get("return_to"), url.origin);
  const logDecision = (outcome: "login_started" | "login_failed", status: number, reason?: ReasonCode) =>
    recordDecision(rt, config.observe, {
      requestId: requestIdOf(request),
      route: AUTH_PATHS.login,
      outcome,
      status,
      credential: "none",
      issuer: config.issuer,
      ...(reason === undefined ? {} : { reason }),
      durationMs: rt.now() - startedAt,
    });
  // What the route behind return_to needs (acr_values, max_age, prompt): never taken from the query.
  const stepUp = stepUpForLogin(config, state.routes, url.hostname, returnTo, url.searchParams);
  if (!stepUp.ok) {
    const response = respondToFailure(stepUp.failure, {
      realm: config.realm,
      credentialSent: false,
      presentation: "page",
      retryUrl: loginUrlFor(returnTo),
    });
    logDecision("login_failed", response.status, stepUp.failure.reason);
    return response;
  }

  const discovery = await state.keys.discovery(rt);
  const authorizationEndpoint = discovery.ok ? discovery.value.authorization_endpoint : undefined;
  if (!authorizationEndpoint || !secrets) {
    const failure = discovery.ok
      ? unavailable("discovery_unavailable", config.unavailableRetryAfterSeconds, "no authorization_endpoint")
      : discovery.failure;
    rt.log({ event: "login_unavailable", reason: failure.reason, detail: failure.detail });
    return respondToFailure(failure, { realm: config.realm, credentialSent: false, presentation: "page" });
  }

  const { login } = config;
  const { attempt, authParams, maxAgeSeconds } = stepUp.value;
  const transaction = newTransaction(rt, returnTo, login.transactionTtlSeconds, maxAgeSeconds, attempt);
  const authorize = new URL(authorizationEndpoint);
  for (const [name, value] of Object.entries(login.extraAuthParams)) authorize.searchParams.set(name, value);
  for (const [name, value] of Object.entries(authParams)) authorize.searchParams.set(name, value);
  authorize.searchParams.set("response_type", "code");
  authorize.searchParams.set("client_id", config.clientId);
  authorize.searchParams.set("redirect_uri", `${url.origin}${AUTH_PATHS.callback}`);
  authorize.searchParams.set("scope", login.scopes.join(" "));
  authorize.searchParams.set("state", transaction.state);
  authorize.searchParams.set("nonce", transaction.nonce);
  authorize.searchParams.set(
    "code_challenge",
    await oauth.calculatePKCECodeChallenge(transaction.codeVerifier),
  );
  authorize.searchParams.set("code_challenge_method", "S256");

  const cookies = parseCookies(request.headers.get("cookie"));
  const nowSeconds = Math.floor(rt.now() / 1000);
  const response = redirect(302, authorize.href);
  for (const name of await transactionsToDrop(cookies, scheme, secrets, nowSeconds, login.maxPendingLogins))
    response.headers.append("set-cookie", expireCookie(name, scheme.secure));
  const cookieName = transactionCookieName(scheme, transaction.state);
  response.headers.append(
    "set-cookie",
    serializeCookie(cookieName, await sealTransaction(transaction, cookieName, secrets, rt), {
      secure: scheme.secure,
      maxAgeSeconds: login.transactionTtlSeconds,
    }),
  );
  logDecision("login_started", 302);
  return response;
}
