import { randomBytes } from "node:crypto";
import type { Configuration, KoaContextWithOIDC } from "oidc-provider";
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";
import { claimsOf, findDemoUserBySub } from "./demo-users.ts";
import { devClientMetadata } from "./dev-client.ts";
import { generateSigningJwks } from "./signing-key.ts";
import { escapeHtml, messagePage, PAGE_CSP } from "./views.ts";

const DAY = 24 * 60 * 60;

/**
 * Which scope releases which claim. `groups` rides on `profile`, so the plain `openid email profile`
 * request of the worker gets it; a dedicated `groups` scope releases it without the rest of the profile.
 */
export const SCOPE_CLAIMS = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "preferred_username", "groups"],
  groups: ["groups"],
} as const;

/**
 * Skips consent: the (first-party) client gets every OpenID scope and claim it asks for. The grant
 * of the current session is reused and widened when a later request asks for more.
 */
async function grantRequestedScopes(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = oidc.client;
  const accountId = oidc.session?.accountId;
  if (!client || !accountId) return undefined;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId });
  grant.addOIDCScope(oidc.requestParamOIDCScopes);
  if (oidc.requestParamClaims.size > 0) grant.addOIDCClaims(oidc.requestParamClaims);
  await grant.save();
  return grant;
}

function sendPage(ctx: KoaContextWithOIDC, html: string): void {
  ctx.set("Content-Security-Policy", PAGE_CSP);
  ctx.type = "html";
  ctx.body = html;
}

/** Builds the complete oidc-provider configuration, with a signing key and cookie keys made just now. */
export async function buildConfiguration(options: {
  workerOrigins: readonly string[];
  idTokenTtlSeconds: number;
}): Promise<Configuration> {
  return {
    // The built-in in-memory store, passed explicitly: same behaviour, minus the start-up warning
    // that it must be replaced in production (this provider never runs there).
    adapter: createMemoryAdapter(),
    clients: [devClientMetadata(options.workerOrigins)],
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    jwks: await generateSigningJwks(),
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: SCOPE_CLAIMS,
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const user = findDemoUserBySub(sub);
      return user && { accountId: user.sub, claims: () => claimsOf(user) };
    },
    loadExistingGrant: grantRequestedScopes,
    // Every code flow of a client allowed the refresh_token grant gets a refresh token, with or
    // without offline_access (which OIDC only honours together with prompt=consent).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) =>
          sendPage(
            ctx,
            messagePage(
              "Sign out?",
              `You are signed in to the development identity provider at ${ctx.host}. Signing out ends that session too.`,
              `${form}<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>` +
                `<button class="secondary" type="submit" form="op.logoutForm">Stay signed in</button>`,
            ),
          ),
        postLogoutSuccessSource: (ctx) =>
          sendPage(ctx, messagePage("Signed out", "You are signed out of the development provider.")),
      },
    },
    renderError: (ctx, out) =>
      sendPage(
        ctx,
        messagePage(
          "Something went wrong",
          out.error_description ?? out.error,
          `<p><code>${escapeHtml(out.error)}</code></p>`,
        ),
      ),
    ttl: {
      AccessToken: 10 * 60,
      AuthorizationCode: 60,
      ClientCredentials: 10 * 60,
      IdToken: options.idTokenTtlSeconds,
      Interaction: 10 * 60,
      RefreshToken: DAY,
      Grant: DAY,
      Session: DAY,
    },
  };
}
