import { decodeBase64UrlStrict, encodeBase64Url } from "../jwt/base64url.ts";
import type { Platform } from "../platform.ts";

/** What a derived key is for; each purpose has its own key, so no value can be moved between uses. */
export type KeyPurpose = "login-transaction" | "refresh-token" | "session-cookie" | "dpop-nonce";

const SEALED_PREFIX = "v1.";
const IV_BYTES = 12;
const SALT = new TextEncoder().encode("edge-auth SESSION_SECRET");

/**
 * Keys derived from SESSION_SECRET with HKDF-SHA-256 (RFC 5869), one per purpose, imported once per
 * isolate and kept as values. `seal`/`open` are AES-256-GCM with the caller's context as associated
 * data, so a sealed value only opens where it was sealed (that cookie name, that session).
 */
export class SecretKeys {
  readonly #secret: Uint8Array;
  readonly #aeadKeys = new Map<KeyPurpose, CryptoKey>();
  readonly #macKeys = new Map<KeyPurpose, CryptoKey>();

  constructor(secret: string) {
    this.#secret = new TextEncoder().encode(secret);
  }

  /** Encrypts and authenticates `plaintext`; the result is URL- and cookie-safe. */
  async seal(purpose: KeyPurpose, plaintext: string, context: string, platform: Platform): Promise<string> {
    const iv = platform.randomBytes(IV_BYTES);
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
      await this.#aeadKey(purpose),
      new TextEncoder().encode(plaintext),
    );
    const sealed = new Uint8Array(IV_BYTES + ciphertext.byteLength);
    sealed.set(iv, 0);
    sealed.set(new Uint8Array(ciphertext), IV_BYTES);
    return SEALED_PREFIX + encodeBase64Url(sealed);
  }

  /** The plaintext of a value sealed for this purpose and context; undefined if it was altered. */
  async open(purpose: KeyPurpose, sealed: string, context: string): Promise<string | undefined> {
    if (!sealed.startsWith(SEALED_PREFIX)) return undefined;
    const bytes = decodeBase64UrlStrict(sealed.slice(SEALED_PREFIX.length));
    if (!bytes || bytes.length < IV_BYTES + 16) return undefined;
    try {
      const plaintext = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: bytes.slice(0, IV_BYTES),
          additionalData: new TextEncoder().encode(context),
        },
        await this.#aeadKey(purpose),
        bytes.slice(IV_BYTES),
      );
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(plaintext);
    } catch {
      return undefined;
    }
  }

  /** HMAC-SHA-256 of `message`, base64url. */
  async mac(purpose: KeyPurpose, message: string): Promise<string> {
    const tag = await crypto.subtle.sign(
      "HMAC",
      await this.#macKey(purpose),
      new TextEncoder().encode(message),
    );
    return encodeBase64Url(new Uint8Array(tag));
  }

  /** Whether `tag` is the HMAC of `message` (compared in constant time by Web Crypto). */
  async verifyMac(purpose: KeyPurpose, message: string, tag: string): Promise<boolean> {
    const bytes = decodeBase64UrlStrict(tag);
    if (!bytes) return false;
    return crypto.subtle.verify(
      "HMAC",
      await this.#macKey(purpose),
      bytes,
      new TextEncoder().encode(message),
    );
  }

  async #aeadKey(purpose: KeyPurpose): Promise<CryptoKey> {
    const known = this.#aeadKeys.get(purpose);
    if (known) return known;
    const key = await crypto.subtle.deriveKey(
      this.#hkdfParams(purpose),
      await this.#baseKey(),
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    this.#aeadKeys.set(purpose, key);
    return key;
  }

  async #macKey(purpose: KeyPurpose): Promise<CryptoKey> {
    const known = this.#macKeys.get(purpose);
    if (known) return known;
    const key = await crypto.subtle.deriveKey(
      this.#hkdfParams(purpose),
      await this.#baseKey(),
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign", "verify"],
    );
    this.#macKeys.set(purpose, key);
    return key;
  }

  #baseKey(): Promise<CryptoKey> {
    return crypto.subtle.importKey("raw", this.#secret, "HKDF", false, ["deriveKey"]);
  }

  #hkdfParams(purpose: KeyPurpose) {
    return {
      name: "HKDF",
      hash: "SHA-256",
      salt: SALT,
      info: new TextEncoder().encode(`edge-auth ${purpose} v1`),
    };
  }
}

/** SHA-256 of `text`, base64url: how secrets (session ids, states) are named in KV and logs. */
export async function digestBase64Url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encodeBase64Url(new Uint8Array(digest));
}
