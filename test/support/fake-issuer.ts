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

type Responder = (request: Request) => Promise<Response> | Response;

/** A provider response the test holds back and releases when (and in the order) it chooses. */
export interface HeldRequest {
  readonly request: Request;
  release(response: Response): void;
}

/** Requests held by `FakeIssuer.holdJwks()`, in arrival order. */
export class HeldRequests {
  readonly requests: HeldRequest[] = [];
  #waiters: (() => void)[] = [];

  /** The responder that holds every request until the test releases it (or its signal aborts). */
  readonly responder: Responder = (request) =>
    new Promise<Response>((resolve, reject) => {
      request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      this.requests.push({ request, release: resolve });
      for (const wake of this.#waiters.splice(0)) wake();
    });

  /** Resolves once `count` requests are held. */
  async until(count: number): Promise<void> {
    while (this.requests.length < count) await new Promise<void>((wake) => this.#waiters.push(wake));
  }
}

/** The provider's side: a discovery document and a JWKS whose keys a test can rotate or break. */
export class FakeIssuer {
  keys: SigningKey[];
  jwksCacheControl = "max-age=600";
  discoveryCacheControl = "max-age=3600";
  /** Replace to make the provider misbehave (down, slow, garbage). */
  jwksResponder: Responder | undefined;
  discoveryResponder: Responder | undefined;
  /** The token endpoint, when a test plays the login flow (see fake-login-provider.ts). */
  tokenHandler: ((request: Request) => Promise<Response>) | undefined;
  /** The UserInfo endpoint (OIDC Core §5.3), likewise. */
  userinfoHandler: ((request: Request) => Promise<Response> | Response) | undefined;
  readonly fetches: string[] = [];

  /** The issuer identifier (`iss`); each instance of the fake is its own provider at its own origin. */
  readonly url: string;

  constructor(keys: SigningKey[], url: string = ISSUER) {
    this.keys = keys;
    this.url = url;
  }

  get discoveryDocument() {
    return {
      issuer: this.url,
      jwks_uri: `${this.url}/jwks`,
      authorization_endpoint: `${this.url}/authorize`,
      token_endpoint: `${this.url}/token`,
      end_session_endpoint: `${this.url}/logout`,
      userinfo_endpoint: `${this.url}/userinfo`,
    };
  }

  /** The JWKS the provider publishes now. */
  jwks(keys: readonly SigningKey[] = this.keys): { keys: JWK[] } {
    return { keys: keys.map((k) => k.publicJwk) };
  }

  /** The JWKS response as the provider sends it now (or for `keys`). */
  jwksResponse(keys: readonly SigningKey[] = this.keys): Response {
    return Response.json(this.jwks(keys), { headers: { "cache-control": this.jwksCacheControl } });
  }

  /** From now on, JWKS requests wait until the test releases them. */
  holdJwks(): HeldRequests {
    const held = new HeldRequests();
    this.jwksResponder = held.responder;
    return held;
  }

  /** Answers requests for the issuer's host; undefined for any other host. */
  async handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (url.origin !== this.url) return undefined;
    this.fetches.push(url.pathname);
    if (url.pathname === "/.well-known/openid-configuration") {
      if (this.discoveryResponder) return this.discoveryResponder(request);
      return Response.json(this.discoveryDocument, {
        headers: { "cache-control": this.discoveryCacheControl },
      });
    }
    if (url.pathname === "/jwks") {
      if (this.jwksResponder) return this.jwksResponder(request);
      return this.jwksResponse();
    }
    if (url.pathname === "/token" && this.tokenHandler) return this.tokenHandler(request);
    if (url.pathname === "/userinfo" && this.userinfoHandler) return this.userinfoHandler(request);
    return new Response("not found", { status: 404 });
  }

  jwksFetchCount(): number {
    return this.fetches.filter((path) => path === "/jwks").length;
  }

  discoveryFetchCount(): number {
    return this.fetches.filter((path) => path === "/.well-known/openid-configuration").length;
  }

  /** Every request that reached the provider (discovery and JWKS). */
  providerFetchCount(): number {
    return this.fetches.length;
  }
}
