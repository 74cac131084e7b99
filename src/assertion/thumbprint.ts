import { encodeBase64Url } from "../jwt/base64url.ts";
import type { PublicKeyMembers } from "./signing-key.ts";

/**
 * The JWK SHA-256 thumbprint (RFC 7638 §3), used as the key's `kid`: the required public members in
 * lexicographic order (crv, kty, x, y for EC; crv, kty, x for OKP, RFC 8037 §2), without whitespace,
 * hashed with SHA-256 and base64url-encoded. Anyone can recompute it from the published key.
 */
export async function jwkThumbprint(key: PublicKeyMembers): Promise<string> {
  const canonical =
    key.kty === "EC"
      ? JSON.stringify({ crv: key.crv, kty: key.kty, x: key.x, y: key.y })
      : JSON.stringify({ crv: key.crv, kty: key.kty, x: key.x });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return encodeBase64Url(new Uint8Array(digest));
}
