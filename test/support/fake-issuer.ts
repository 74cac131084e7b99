import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export const ISSUER = "https://issuer.test";
export const CLIENT_ID = "client-1";

export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A key pair generated at run time; no private key is ever committed. */
export async function makeSigningKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey: privateKey as CryptoKey, publicJwk };
}

/** Claims of a valid ID Token for the fake issuer, at `nowSeconds`. */
export function validClaims(nowSeconds: number, overrides: Record<string, unknown> = {}): JWTPayload {
  return {
    iss: ISSUER,
    sub: "user-123",
    aud: CLIENT_ID,
    iat: nowSeconds,
    exp: nowSeconds + 600,
    email: "ada@example.com",
    email_verified: true,
    name: "Ada Lovelace",
    groups: ["staff"],
    ...overrides,
  };
}

export async function signToken(
  key: SigningKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
    .sign(key.privateKey);
}

/** The provider's side: a discovery document and a JWKS whose keys a test can rotate or break. */
export class FakeIssuer {
  keys: SigningKey[];
  jwksCacheControl = "max-age=600";
  /** Replace to make the provider misbehave (down, slow, garbage). */
  jwksResponder: (() => Promise<Response> | Response) | undefined;
  discoveryResponder: (() => Promise<Response> | Response) | undefined;
  /** The token endpoint, when a test plays the login flow (see fake-login-provider.ts). */
  tokenHandler: ((request: Request) => Promise<Response>) | undefined;
  readonly fetches: string[] = [];

  constructor(keys: SigningKey[]) {
    this.keys = keys;
  }

  get discoveryDocument() {
    return {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/jwks`,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      end_session_endpoint: `${ISSUER}/logout`,
    };
  }

  /** Answers requests for the issuer's host; undefined for any other host. */
  async handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (url.origin !== ISSUER) return undefined;
    this.fetches.push(url.pathname);
    if (url.pathname === "/.well-known/openid-configuration") {
      if (this.discoveryResponder) return this.discoveryResponder();
      return Response.json(this.discoveryDocument, { headers: { "cache-control": "max-age=3600" } });
    }
    if (url.pathname === "/jwks") {
      if (this.jwksResponder) return this.jwksResponder();
      return Response.json(
        { keys: this.keys.map((k) => k.publicJwk) },
        { headers: { "cache-control": this.jwksCacheControl } },
      );
    }
    if (url.pathname === "/token" && this.tokenHandler) return this.tokenHandler(request);
    return new Response("not found", { status: 404 });
  }

  jwksFetchCount(): number {
    return this.fetches.filter((path) => path === "/jwks").length;
  }
}
