const ALPHABET = /^[A-Za-z0-9_-]*$/;
const LAST_CHAR_TWO_LEFT = /[AQgw]$/; // 2 leftover chars: last one must have its 4 low bits zero
const LAST_CHAR_THREE_LEFT = /[AEIMQUYcgkosw048]$/; // 3 leftover chars: 2 low bits zero

/**
 * Decodes base64url in its one canonical spelling (RFC 7515 §2): the URL-safe alphabet only, no
 * padding, no whitespace, and unused trailing bits zero — so each byte string has exactly one token.
 * Returns undefined for anything else.
 */
export function decodeBase64UrlStrict(text: string): Uint8Array | undefined {
  if (!ALPHABET.test(text)) return undefined;
  const leftover = text.length % 4;
  if (leftover === 1) return undefined;
  if (leftover === 2 && !LAST_CHAR_TWO_LEFT.test(text)) return undefined;
  if (leftover === 3 && !LAST_CHAR_THREE_LEFT.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
