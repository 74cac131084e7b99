import type { DpopNonceSettings } from "../config/config.ts";
import { SecretKeys } from "../crypto/secret-keys.ts";

/** The response header that hands a client the nonce to put in its next proofs (RFC 9449 §8.1, §9). */
export const DPOP_NONCE_HEADER = "DPoP-Nonce";

/** How a proof's `nonce` claim stands: this window's, the previous window's, absent, or not ours. */
export type NonceVerdict = "current" | "previous" | "missing" | "invalid";

/**
 * Stateless server nonces (RFC 9449 §9): the nonce of time window `k` (`floor(now / windowSeconds)`)
 * is base64url(HMAC-SHA-256(key, "v1 <windowSeconds> <k>")), the key derived from the secret with
 * HKDF for this purpose alone. Every isolate in every location computes the same nonce without
 * sharing any state, and nobody without the secret can make the nonce of a future window. A nonce is
 * accepted in its own window and the next one, so it lives between one and two windows.
 *
 * The same nonce is given to every client within a window: it is not a secret (any client can ask
 * for it), it only proves that a proof was made recently, by the server's clock.
 */
export class DpopNonces {
  readonly #keys: SecretKeys;
  readonly #windowSeconds: number;
  /** The nonces of the last windows asked for, by window number (values, at most three). */
  readonly #known = new Map<number, string>();

  constructor(settings: DpopNonceSettings) {
    this.#keys = new SecretKeys(settings.secret);
    this.#windowSeconds = settings.windowSeconds;
  }

  /** The nonce a client should use now (the `DPoP-Nonce` header). */
  current(nowMs: number): Promise<string> {
    return this.#nonceOf(this.#windowAt(nowMs));
  }

  /**
   * Judges a proof's `nonce` claim: "current" or "previous" are accepted (the latter is about to
   * expire: the response should hand out the current one); "missing" when the proof has none;
   * "invalid" for anything else (an expired window's nonce, another deployment's, a forgery, not a
   * string). The comparison need not be constant-time: the expected value is not secret.
   */
  async judge(claim: unknown, nowMs: number): Promise<NonceVerdict> {
    if (claim === undefined) return "missing";
    if (typeof claim !== "string") return "invalid";
    const window = this.#windowAt(nowMs);
    if (claim === (await this.#nonceOf(window))) return "current";
    if (claim === (await this.#nonceOf(window - 1))) return "previous";
    return "invalid";
  }

  #windowAt(nowMs: number): number {
    return Math.floor(nowMs / 1000 / this.#windowSeconds);
  }

  async #nonceOf(window: number): Promise<string> {
    const known = this.#known.get(window);
    if (known !== undefined) return known;
    const nonce = await this.#keys.mac("dpop-nonce", `v1 ${this.#windowSeconds} ${window}`);
    // Only this window and its neighbours are ever asked for again (a clock may step back a little).
    for (const old of this.#known.keys()) if (Math.abs(old - window) > 1) this.#known.delete(old);
    this.#known.set(window, nonce);
    return nonce;
  }
}
