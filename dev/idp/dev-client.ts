import type { ClientMetadata } from "oidc-provider";

/** Client id of the one static client: the edge-auth worker running locally. */
export const DEV_CLIENT_ID = "edge-auth-demo";
/** Its client secret. Public on purpose: it only ever works against this development provider. */
export const DEV_CLIENT_SECRET = "dev-secret-change-me";
/** Where `wrangler dev` serves the worker by default. */
export const DEFAULT_WORKER_ORIGINS: readonly string[] = ["http://127.0.0.1:8787", "http://localhost:8787"];
/** The redirect URI the token script pretends to be (nothing needs to listen there). */
export const DEFAULT_REDIRECT_URI = "http://127.0.0.1:8787/auth/callback";

/**
 * Client metadata for the worker: code flow with PKCE, refresh tokens, `<origin>/auth/callback` as
 * redirect URI and `<origin>/auth/signed-out` as post-logout redirect URI for every worker origin.
 */
export function devClientMetadata(workerOrigins: readonly string[]): ClientMetadata {
  const origins = workerOrigins.map((origin) => new URL(origin).origin);
  return {
    client_id: DEV_CLIENT_ID,
    client_secret: DEV_CLIENT_SECRET,
    client_name: "edge-auth (local worker)",
    application_type: "web",
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: origins.map((origin) => `${origin}/auth/callback`),
    post_logout_redirect_uris: origins.map((origin) => `${origin}/auth/signed-out`),
    id_token_signed_response_alg: "RS256",
  };
}
