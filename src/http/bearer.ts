export type BearerCredential =
  | { readonly kind: "none" }
  | { readonly kind: "malformed" }
  | { readonly kind: "bearer"; readonly token: string };

const NONE: BearerCredential = { kind: "none" };
const MALFORMED: BearerCredential = { kind: "malformed" };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads `Authorization: Bearer <token>` by the strict grammar of RFC 6750 §2.1. Other schemes count as
 * no credential; a Bearer header that breaks the grammar (two tokens, a comma from a repeated header,
 * stray characters) is malformed.
 */
export function readBearer(headers: Headers): BearerCredential {
  return bearerOf(headers.get("authorization"));
}

/** `readBearer` of a header value already read. */
function bearerOf(value: string | null): BearerCredential {
  if (value === null) return NONE;
  if (!/^bearer(\s|$)/i.test(value)) return /bearer/i.test(value) ? MALFORMED : NONE;
  const match = BEARER.exec(value);
  return match ? { kind: "bearer", token: match[1] as string } : MALFORMED;
}

/** A token credential of either scheme: Bearer (RFC 6750) or DPoP (RFC 9449 §7.1). */
export type TokenCredential = BearerCredential | { readonly kind: "dpop"; readonly token: string };

// RFC 9449 §7.1: the DPoP scheme takes the token as token68, the same characters as RFC 6750's b64token.
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads `Authorization: DPoP <token>` by the grammar of RFC 9449 §7.1, else as `readBearer` does. A
 * DPoP header that breaks the grammar (two tokens, a comma from a repeated header) is malformed.
 */
export function readTokenCredential(headers: Headers): TokenCredential {
  const value = headers.get("authorization");
  if (value === null || !/^dpop(\s|$)/i.test(value)) return bearerOf(value);
  const match = DPOP.exec(value);
  return match ? { kind: "dpop", token: match[1] as string } : MALFORMED;
}
