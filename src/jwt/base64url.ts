const ALPHABET = /^[A-Za-z0-9_-]*$/;
// The last character of a partial final group may only carry the bits that are used (RFC 4648 §3.5):
// with 2 characters left over its 4 low bits are zero, with 3 its 2 low bits are.
const CANONICAL_LAST_CHAR: Readonly<Record<number, string>> = { 2: "AQgw", 3: "AEIMQUYcgkosw048" };

type FromBase64 = (
  text: string,
  options: { alphabet: "base64url"; lastChunkHandling: "loose" },
) => Uint8Array;
const nativeFromBase64 = (Uint8Array as unknown as { fromBase64?: FromBase64 }).fromBase64;

/**
 * Decodes base64url in its one canonical spelling (RFC 7515 §2): the URL-safe alphabet only, no
 * padding, no whitespace, and unused trailing bits zero — so each byte string has exactly one token.
 * Returns undefined for anything else.
 */
export function decodeBase64UrlStrict(text: string): Uint8Array | undefined {
  const leftover = text.length % 4;
  if (leftover === 1) return undefined;
  const lastChars = CANONICAL_LAST_CHAR[leftover];
  if (lastChars !== undefined && !lastChars.includes(text.charAt(text.length - 1))) return undefined;
  return nativeFromBase64 ? decodeNative(nativeFromBase64, text) : decodeWithAtob(text);
}

/**
 * The runtime's decoder, which refuses any character outside the base64url alphabet but ASCII
 * whitespace (skipped) and "=" padding (accepted) — neither canonical base64url. Every alphabet
 * character carries 6 bits: text of n characters, all in the alphabet, decodes to floor(3n / 4)
 * bytes, and any fewer alphabet characters (n mod 4 is never 1 here) to fewer bytes. So the length
 * of what came out says whether anything was skipped, without a scan of the text per character.
 */
function decodeNative(fromBase64: FromBase64, text: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text, { alphabet: "base64url", lastChunkHandling: "loose" });
  } catch {
    return undefined;
  }
  return bytes.length === Math.floor((text.length * 3) / 4) ? bytes : undefined;
}

/** For runtimes without Uint8Array.fromBase64. */
export function decodeWithAtob(text: string): Uint8Array | undefined {
  if (!ALPHABET.test(text)) return undefined;
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
