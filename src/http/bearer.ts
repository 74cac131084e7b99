export type BearerCredential =
  | { readonly kind: "none" }
  | { readonly kind: "malformed" }
  | { readonly kind: "bearer"; readonly token: string };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads `Authorization: Bearer <token>` by the strict grammar of RFC 6750 §2.1. Other schemes count as
 * no credential; a Bearer header that breaks the grammar (two tokens, a comma from a repeated header,
 * stray characters) is malformed.
 */
export function readBearer(headers: Headers): BearerCredential {
  const value = headers.get("authorization");
  if (value === null) return { kind: "none" };
  if (!/^bearer(\s|$)/i.test(value)) return { kind: /bearer/i.test(value) ? "malformed" : "none" };
  const match = BEARER.exec(value);
  return match ? { kind: "bearer", token: match[1] as string } : { kind: "malformed" };
}
