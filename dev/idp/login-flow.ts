import * as oauth from "oauth4webapi";
import { CookieJar } from "./cookie-jar.ts";

export interface MintIdTokenOptions {
  /** Issuer of the provider, e.g. http://127.0.0.1:9400. */
  issuer: string;
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
  /** A registered redirect URI; nothing has to listen there. */
  redirectUri: string;
  /** Scopes to request; default "openid email profile". */
  scope?: string;
}

export interface MintedTokens {
  idToken: string;
  refreshToken?: string;
  accessToken: string;
}

const MAX_HOPS = 10;

/** Why a sign-in failed: the provider cannot be reached, shows no sign-in form, or refuses the user. */
export type LoginFlowErrorCode = "provider_unreachable" | "no_sign_in_form" | "sign_in_refused";

/** A failed sign-in, with a code callers can add their own advice to. */
export class LoginFlowError extends Error {
  readonly code: LoginFlowErrorCode;

  constructor(code: LoginFlowErrorCode, message: string) {
    super(message);
    this.name = "LoginFlowError";
    this.code = code;
  }
}

function isLoopback(url: URL): boolean {
  return ["localhost", "[::1]"].includes(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

function reason(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Fetches `url` like a browser would, following redirects by hand and carrying cookies, until a
 * redirect points at the redirect URI (returned as `callback`) or a response is not a redirect.
 */
async function browse(
  url: URL,
  jar: CookieJar,
  isCallback: (url: URL) => boolean,
  init: { method?: string; body?: URLSearchParams } = {},
): Promise<{ callback: URL } | { response: Response; url: URL }> {
  let current = url;
  let request = init;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const response = await fetch(current, {
      method: request.method ?? "GET",
      body: request.body,
      headers: { cookie: jar.header() },
      redirect: "manual",
    });
    jar.store(response);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
    await response.body?.cancel();
    current = new URL(location, current);
    if (isCallback(current)) return { callback: current };
    request = {};
  }
  throw new Error(`more than ${MAX_HOPS} redirects starting at ${url.href}`);
}

async function discover(issuer: URL, insecure: boolean): Promise<oauth.AuthorizationServer> {
  let response: Response;
  try {
    response = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: insecure });
  } catch (error) {
    throw new LoginFlowError(
      "provider_unreachable",
      `cannot reach the OpenID Provider at ${issuer.origin} (${reason(error)})`,
    );
  }
  return oauth.processDiscoveryResponse(issuer, response);
}

/**
 * Signs a user in at the OpenID Provider through a real authorization code flow with PKCE, the way
 * a browser would (authorize request, sign-in form, redirect chain; cookies carried, redirects
 * followed by hand), then exchanges the code at the token endpoint with the client secret.
 * Throws an Error with a readable message when the provider is down or the credentials are wrong.
 */
export async function mintIdToken(options: MintIdTokenOptions): Promise<MintedTokens> {
  const issuer = new URL(options.issuer);
  const insecure = isLoopback(issuer);
  const as = await discover(issuer, insecure);
  if (!as.authorization_endpoint) throw new Error(`${issuer.href} advertises no authorization_endpoint`);
  const client: oauth.Client = { client_id: options.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const redirect = new URL(options.redirectUri);
  const isCallback = (url: URL) => url.origin === redirect.origin && url.pathname === redirect.pathname;

  const authorize = new URL(as.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: "code",
    scope: options.scope ?? "openid email profile",
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();

  const jar = new CookieJar();
  let step = await browse(authorize, jar, isCallback);
  if ("response" in step) {
    const { response, url } = step;
    const html = await response.text();
    const action = /<form[^>]*\saction="([^"]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action) {
      throw new LoginFlowError(
        "no_sign_in_form",
        `the provider did not show a sign-in form (HTTP ${response.status} at ${url.pathname}); ` +
          `is ${options.redirectUri} registered for client ${options.clientId}?`,
      );
    }
    const body = new URLSearchParams({ username: options.username, password: options.password });
    step = await browse(new URL(action.replaceAll("&amp;", "&"), url), jar, isCallback, {
      method: "POST",
      body,
    });
    if ("response" in step) {
      const status = step.response.status;
      await step.response.body?.cancel();
      throw new LoginFlowError(
        "sign_in_refused",
        status === 400
          ? `sign-in as "${options.username}" failed: wrong username or password`
          : `sign-in as "${options.username}" failed: unexpected HTTP ${status} at ${step.url.pathname}`,
      );
    }
  }

  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, step.callback, state);
  } catch (error) {
    if (!(error instanceof oauth.AuthorizationResponseError)) throw error;
    throw new Error(
      `the provider refused the sign-in: ${error.error} (${error.error_description ?? "no description"})`,
    );
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(options.clientSecret),
    params,
    options.redirectUri,
    verifier,
    { [oauth.allowInsecureRequests]: insecure },
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true });
  return {
    idToken: tokens.id_token as string,
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
  };
}
