import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type ClientMetadata, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";

/** The users of the test provider; `groups` travels in the ID token with the profile scope. */
const USERS: Record<string, { password: string; claims: Record<string, unknown> }> = {
  alice: {
    password: "alice-password",
    claims: {
      email: "alice@example.test",
      email_verified: true,
      name: "Alice Adams",
      groups: ["admins", "staff"],
    },
  },
  bob: {
    password: "bob-password",
    claims: { email: "bob@example.test", email_verified: true, name: "Bob Brown", groups: ["staff"] },
  },
};

/** The authentication levels the provider knows (OIDC Core §2 `acr`); the login form chooses one. */
export const ACR_VALUES = ["urn:example:pwd", "urn:example:mfa"] as const;

export const CONFIDENTIAL_CLIENT = { id: "edge-auth-demo", secret: "dev-secret-change-me" };
export const PUBLIC_CLIENT = { id: "edge-auth-public" };

export interface TestProvider {
  readonly issuer: string;
  /** Grant types of the token requests the provider answered successfully, in order. */
  readonly grants: string[];
  /** Back-channel logout deliveries, in order: `success` or `error: <message>`. */
  readonly backchannelLogouts: string[];
  close(): Promise<void>;
}

export interface TestProviderOptions {
  /** Origins of the worker under test: `<origin>/auth/callback` and `<origin>/auth/signed-out` are registered. */
  readonly workerOrigins: readonly string[];
  readonly idTokenTtlSeconds: number;
  /** Registers this `backchannel_logout_uri` (with `sid` required) and turns back-channel logout on. */
  readonly backchannelLogoutUri?: string;
}

/**
 * A certified OpenID Provider (oidc-provider) on 127.0.0.1 with a random port: a confidential client
 * (client_secret_basic) and a public one (PKCE only), both with refresh tokens; no consent prompt; a
 * password form at /interaction/:uid. Kept minimal on purpose: it exists for the worker's tests.
 */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const callbackUris = options.workerOrigins.map((origin) => `${origin}/auth/callback`);
  const signedOutUris = options.workerOrigins.map((origin) => `${origin}/auth/signed-out`);
  const common: Partial<ClientMetadata> = {
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: callbackUris,
    post_logout_redirect_uris: signedOutUris,
    ...(options.backchannelLogoutUri === undefined
      ? {}
      : { backchannel_logout_uri: options.backchannelLogoutUri, backchannel_logout_session_required: true }),
  };
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "test-rs256", alg: "RS256", use: "sig" };
  const configuration: Configuration = {
    // The built-in in-memory store, passed explicitly (same behaviour, no production warning).
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey] },
    clients: [
      { ...common, client_id: CONFIDENTIAL_CLIENT.id, client_secret: CONFIDENTIAL_CLIENT.secret },
      { ...common, client_id: PUBLIC_CLIENT.id, token_endpoint_auth_method: "none" },
    ],
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // acr, amr and auth_time in every ID token, as most providers send them (not only when asked for).
    claims: {
      openid: ["sub", "acr", "amr", "auth_time"],
      email: ["email", "email_verified"],
      profile: ["name", "groups"],
    },
    conformIdTokenClaims: false,
    acrValues: [...ACR_VALUES],
    findAccount: (_ctx, sub) => {
      const user = USERS[sub];
      return user && { accountId: sub, claims: () => ({ sub, ...user.claims }) };
    },
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(ctx.oidc.requestParamOIDCScopes);
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    pkce: { required: () => true },
    // oidc-provider refuses to fetch loopback addresses (SSRF protection) by giving fetch a dispatcher
    // that drops such sockets; the worker under test listens on 127.0.0.1, so requests go without it.
    fetch: (url, options) => {
      const { dispatcher: _loopbackRefused, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return fetch(url, rest);
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: options.backchannelLogoutUri !== undefined },
    },
    ttl: {
      IdToken: options.idTokenTtlSeconds,
      AccessToken: 600,
      RefreshToken: 3600,
      Session: 3600,
      Grant: 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  const grants: string[] = [];
  provider.on("grant.success", (ctx: KoaContextWithOIDC) => grants.push(String(ctx.oidc.params?.grant_type)));
  const backchannelLogouts: string[] = [];
  provider.on("backchannel.success", () => backchannelLogouts.push("success"));
  provider.on("backchannel.error", (_ctx: KoaContextWithOIDC, error: Error) =>
    backchannelLogouts.push(`error: ${error.message}`),
  );
  const handleProvider = provider.callback();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith("/interaction/")) void interaction(provider, req, res);
    else handleProvider(req, res);
  });
  return {
    issuer,
    grants,
    backchannelLogouts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * GET /interaction/:uid shows a password form; POST /interaction/:uid checks it and finishes the login.
 * The form may also say how the user authenticated (`acr`, and `amr` as a comma-separated list), as a
 * second factor would: the provider puts them in the ID token.
 */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<form method="post" action="/interaction/${details.uid}">` +
          '<input name="username"><input name="password" type="password"><button>Sign in</button></form>',
      );
      return;
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const username = form.get("username") ?? "";
    if (USERS[username]?.password !== form.get("password")) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("wrong username or password");
      return;
    }
    const acr = form.get("acr");
    const amr = form.get("amr");
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: username, ...(acr ? { acr } : {}), ...(amr ? { amr: amr.split(",") } : {}) } },
      { mergeWithLastSubmission: false },
    );
  } catch {
    res.writeHead(400, { "content-type": "text/plain" });
    res.end("interaction failed");
  }
}
