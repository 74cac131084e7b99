/** The secrets edge-auth reads. They belong in `wrangler secret put`, never in `[vars]`. */
export const SECRET_VARS = [
  "SESSION_SECRET",
  "DPOP_NONCE_SECRET",
  "OIDC_CLIENT_SECRET",
  "HEALTH_TOKEN",
  "REVOCATION_ADMIN_TOKEN",
  "ASSERTION_SIGNING_KEY",
  // Often only a public key, but a private one may be given, and origins still trust it.
  "ASSERTION_SIGNING_KEY_PREVIOUS",
] as const;

/** Names that read as a secret, for keys edge-auth may read in future (a signing key, a token). */
const SECRET_NAME = /_(SECRET|TOKEN|KEY)$/;

/** Whether a var of this name holds a secret: one of SECRET_VARS, or named like one (`*_SECRET`, `*_TOKEN`, `*_KEY`). */
export function isSecretVar(name: string): boolean {
  return (SECRET_VARS as readonly string[]).includes(name) || SECRET_NAME.test(name);
}
