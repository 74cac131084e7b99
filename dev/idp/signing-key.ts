import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";

/**
 * Generates a fresh RS256 signing key pair and returns it as a private JWK Set for oidc-provider.
 * The key lives only in this process's memory: restart the provider and every token it issued
 * before stops verifying, which is exactly what a key-rotation test wants.
 */
export async function generateSigningJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { keys: [{ ...jwk, kid, alg: "RS256", use: "sig" }] };
}
