import { encodeBase64Url } from "../../src/jwt/base64url.ts";
import { CLIENT_ID, type FakeIssuer, signToken, validClaims } from "./fake-issuer.ts";

interface IssuedCode {
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string | undefined;
  readonly claims: Record<string, unknown>;
  used: boolean;
}

interface IssuedRefreshToken {
  readonly claims: Record<string, unknown>;
  active: boolean;
}

export interface TokenRequestSeen {
  readonly grantType: string | null;
  /** How the client authenticated: HTTP Basic, a secret in the body, or none (public client). */
  readonly clientAuth: "basic" | "post" | "none";
  readonly clientId: string | null;
}

export interface ApproveOptions {
  /** Claims to set or override in the ID token issued for this login. */
  readonly claims?: Record<string, unknown>;
  /** Answer with `error` (and `error_description`) instead of a code (RFC 6749 §4.1.2.1). */
  readonly error?: string;
  readonly errorDescription?: string;
  /** The RFC 9207 `iss` parameter to put in the response (none by default). */
  readonly iss?: string;
}

/**
 * The login side of the fake OpenID Provider for in-workerd tests: an "authorization endpoint" the
 * test drives directly (`approve` turns the URL the worker redirected to into the callback URL, as a
 * user signing in would) and a token endpoint behind the fetch seam that checks the code, the
 * redirect_uri, the PKCE verifier (S256) and the client's authentication, and issues ID tokens
 * (with the request's nonce) and rotating refresh tokens. Tests can replace any answer.
 */
export class FakeLoginProvider {
  clientSecret: string | undefined;
  idTokenLifetimeSeconds = 600;
  issueRefreshTokens = true;
  rotateRefreshTokens = true;
  /** Whether a refresh response carries a new ID token (OIDC Core §12.2 makes it optional). */
  idTokenOnRefresh = true;
  /** Replace to make the token endpoint misbehave; return undefined to answer normally. */
  tokenResponder: ((request: Request) => Promise<Response | undefined> | Response | undefined) | undefined;
  /** Applied to every ID token issued (e.g. a wrong nonce, another audience). */
  idTokenOverrides: Record<string, unknown> = {};
  readonly tokenRequests: TokenRequestSeen[] = [];
  /** Claims the UserInfo endpoint adds to (or overrides in) the ID token's for the same user. */
  userinfoClaims: Record<string, unknown> = {};
  /** Replace to make the UserInfo endpoint misbehave; return undefined to answer normally. */
  userinfoResponder: ((request: Request) => Response | undefined) | undefined;
  /** The Authorization header of every UserInfo request, in order. */
  readonly userinfoRequests: (string | null)[] = [];
  readonly #accessTokens = new Map<string, Record<string, unknown>>();
  /** The parameters of every authorization request `approve` saw, in order (acr_values, max_age, prompt…). */
  readonly authorizationRequests: URLSearchParams[] = [];
  /** Every ID token issued, in order. */
  readonly issuedIdTokens: string[] = [];
  readonly #codes = new Map<string, IssuedCode>();
  readonly #refreshTokens = new Map<string, IssuedRefreshToken>();
  #counter = 0;

  constructor(
    private readonly issuer: FakeIssuer,
    private readonly nowSeconds: () => number,
  ) {
    issuer.tokenHandler = (request) => this.#token(request);
    issuer.userinfoHandler = (request) => this.#userinfo(request);
  }

  /** Signs the user in at the authorization URL and returns the URL the provider sends the browser to. */
  approve(authorizationUrl: string, options: ApproveOptions = {}): string {
    const request = new URL(authorizationUrl);
    const params = request.searchParams;
    this.authorizationRequests.push(new URLSearchParams(params));
    if (params.get("client_id") !== CLIENT_ID) throw new Error("unknown client_id");
    if (params.get("response_type") !== "code") throw new Error("unsupported response_type");
    if (params.get("code_challenge_method") !== "S256") throw new Error("PKCE S256 required");
    const redirectUri = params.get("redirect_uri") as string;
    const callback = new URL(redirectUri);
    const state = params.get("state");
    if (state !== null) callback.searchParams.set("state", state);
    if (options.iss !== undefined) callback.searchParams.set("iss", options.iss);
    if (options.error) {
      callback.searchParams.set("error", options.error);
      if (options.errorDescription) callback.searchParams.set("error_description", options.errorDescription);
      return callback.href;
    }
    const code = `code-${++this.#counter}-${crypto.randomUUID()}`;
    this.#codes.set(code, {
      redirectUri,
      codeChallenge: params.get("code_challenge") as string,
      nonce: params.get("nonce") ?? undefined,
      // Each approval is a fresh authentication (so any max_age is met), at the first acr asked for.
      claims: { auth_time: this.nowSeconds(), ...requestedAcr(params), ...options.claims },
      used: false,
    });
    callback.searchParams.set("code", code);
    return callback.href;
  }

  #userinfo(request: Request): Response {
    const authorization = request.headers.get("authorization");
    this.userinfoRequests.push(authorization);
    const overridden = this.userinfoResponder?.(request);
    if (overridden) return overridden;
    const claims = this.#accessTokens.get(authorization?.replace(/^Bearer /, "") ?? "");
    if (!claims)
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Bearer error="invalid_token"' },
      });
    const { sub } = validClaims(this.nowSeconds(), claims);
    return Response.json({ sub, ...this.userinfoClaims });
  }

  /** Makes every refresh token issued so far unusable (the user was disabled, the grant revoked). */
  revokeRefreshTokens(): void {
    for (const token of this.#refreshTokens.values()) token.active = false;
  }

  async #token(request: Request): Promise<Response> {
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    const basic = request.headers.get("authorization");
    this.tokenRequests.push({
      grantType: form.get("grant_type"),
      clientAuth: basic ? "basic" : form.has("client_secret") ? "post" : "none",
      clientId: form.get("client_id"),
    });
    const overridden = await this.tokenResponder?.(request);
    if (overridden) return overridden;
    if (!this.#clientAuthenticated(basic, form)) return oauthError(401, "invalid_client");
    switch (form.get("grant_type")) {
      case "authorization_code":
        return this.#codeGrant(form);
      case "refresh_token":
        return this.#refreshGrant(form);
      default:
        return oauthError(400, "unsupported_grant_type");
    }
  }

  #clientAuthenticated(basic: string | null, form: URLSearchParams): boolean {
    if (this.clientSecret === undefined) return form.get("client_id") === CLIENT_ID && basic === null;
    if (basic !== null) {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
      const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, " "));
      const [id, secret] = atob(basic.replace(/^Basic /, ""))
        .split(":")
        .map(formDecode);
      return id === CLIENT_ID && secret === this.clientSecret;
    }
    return form.get("client_id") === CLIENT_ID && form.get("client_secret") === this.clientSecret;
  }

  async #codeGrant(form: URLSearchParams): Promise<Response> {
    const issued = this.#codes.get(form.get("code") ?? "");
    if (!issued || issued.used) return oauthError(400, "invalid_grant");
    issued.used = true;
    if (form.get("redirect_uri") !== issued.redirectUri) return oauthError(400, "invalid_grant");
    const verifier = form.get("code_verifier") ?? "";
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    if (encodeBase64Url(new Uint8Array(digest)) !== issued.codeChallenge)
      return oauthError(400, "invalid_grant");
    const claims = { ...issued.claims, ...(issued.nonce === undefined ? {} : { nonce: issued.nonce }) };
    return this.#tokens(claims);
  }

  async #refreshGrant(form: URLSearchParams): Promise<Response> {
    const issued = this.#refreshTokens.get(form.get("refresh_token") ?? "");
    if (!issued?.active) return oauthError(400, "invalid_grant");
    if (this.rotateRefreshTokens) issued.active = false;
    const { nonce: _nonce, ...claims } = issued.claims;
    return this.#tokens(claims, !this.idTokenOnRefresh);
  }

  async #tokens(claims: Record<string, unknown>, withoutIdToken = false): Promise<Response> {
    const now = this.nowSeconds();
    const idToken = await signToken(
      this.issuer.keys[0]!,
      validClaims(now, { exp: now + this.idTokenLifetimeSeconds, ...claims, ...this.idTokenOverrides }),
    );
    if (!withoutIdToken) this.issuedIdTokens.push(idToken);
    const accessToken = `access-${++this.#counter}-${crypto.randomUUID()}`;
    this.#accessTokens.set(accessToken, { ...claims, ...this.idTokenOverrides });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: 300,
      ...(withoutIdToken ? {} : { id_token: idToken }),
    };
    if (this.issueRefreshTokens) {
      const refreshToken = `refresh-${++this.#counter}-${crypto.randomUUID()}`;
      this.#refreshTokens.set(refreshToken, { claims, active: true });
      body.refresh_token = refreshToken;
    }
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  }
}

/** OIDC Core §3.1.2.1 `acr_values`: this provider meets the first (most preferred) one. */
function requestedAcr(params: URLSearchParams): { acr?: string } {
  const first = params.get("acr_values")?.split(" ")[0];
  return first ? { acr: first } : {};
}

function oauthError(status: number, error: string): Response {
  return Response.json({ error }, { status, headers: { "cache-control": "no-store" } });
}
