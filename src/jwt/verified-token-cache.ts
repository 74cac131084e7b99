import { BoundedLru, type BoundedLruLimits } from "../bounded-lru.ts";
import type { VerifiedIdentity } from "../identity.ts";
import type { VerificationKey } from "../jwks/key-set.ts";
import { tokenFingerprint } from "../revocation/signed-out-tokens.ts";

/** What one successful verification leaves for the next request that carries the same token. */
export interface VerifiedEntry {
  /** The claims that passed, re-checked against the clock on every reuse. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly identity: VerifiedIdentity;
  readonly kid: string | undefined;
  readonly alg: string;
  /** The key whose signature check passed: the entry is void once the issuer's key set drops it. */
  readonly key: VerificationKey;
}

/** Entries and bytes; an entry's bytes (token and claims) are approximated as twice the token's length. */
export type VerifiedTokenCacheLimits = BoundedLruLimits;

interface Stored extends VerifiedEntry {
  readonly bytes: number;
  /** SHA-256 of the token, once something asked for it (`fingerprintOf`). */
  fingerprint?: string;
}

/** Characters of a token's end that mark it: 72 bits of its signature, and under V8's 13 for a copy. */
const MARK_LENGTH = 12;

/**
 * A bounded, least-recently-used memory of the ID tokens this isolate has verified, so that a client
 * sending the same token again (an API client, a single-page app) costs a map lookup instead of a
 * parse and a signature check, from the token's third use on (it is kept at its second verification).
 * One per isolate and configuration; it holds values, never promises.
 *
 * Keyed by the exact token text: a lookup hit means the very same bytes were verified before, and a
 * token differing in one byte is a different key. The text itself is the key, rather than a SHA-256
 * of it, because hashing costs an async digest per request while the map compares strings natively;
 * the price is memory, bounded by `maxBytes`. Only tokens that passed verification are ever stored,
 * so nobody can fill the cache with tokens of their choosing.
 */
export class VerifiedTokenCache {
  readonly #entries: BoundedLru<Stored>;
  /**
   * Marks of the tokens verified once and not kept: a token is kept the second time it is verified.
   * A client that repeats its token (an API client, a single-page app) pays one more signature check;
   * a new token on every request costs no entry, no eviction and no garbage that outlives the request
   * (keeping every token cost such requests 3–7%: docs/benchmarks.md). A mark is the token's last
   * characters (its signature's): a copy, not a view holding the whole token. Two tokens that share a
   * mark only mean one of them is kept a verification early. At most `maxEntries` marks: a full set
   * starts over.
   */
  readonly #verifiedOnce = new Set<string>();
  readonly #maxMarks: number;

  constructor(limits: VerifiedTokenCacheLimits) {
    this.#entries = new BoundedLru(limits);
    this.#maxMarks = limits.maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for exactly this token text, now the most recently used; undefined on a miss. */
  recall(token: string): VerifiedEntry | undefined {
    return this.#entries.recall(token);
  }

  /**
   * Notes a verified token: the second time, stores it, evicting the least recently used entries
   * beyond the limits (see `#verifiedOnce`).
   */
  remember(token: string, entry: VerifiedEntry): void {
    const mark = token.slice(-MARK_LENGTH);
    if (!this.#verifiedOnce.delete(mark)) {
      if (this.#verifiedOnce.size >= this.#maxMarks) this.#verifiedOnce.clear();
      if (this.#maxMarks > 0) this.#verifiedOnce.add(mark);
      return;
    }
    this.#entries.remember(token, { ...entry, bytes: 2 * token.length });
  }

  /**
   * The token's SHA-256 (signed-out-tokens.ts), kept with its entry: a digest once per cached token,
   * not per request. Asked for only while some token is signed out.
   */
  async fingerprintOf(token: string): Promise<string> {
    const known = this.#entries.peek(token)?.fingerprint;
    if (known !== undefined) return known;
    const fingerprint = await tokenFingerprint(token);
    const stored = this.#entries.peek(token);
    if (stored !== undefined) stored.fingerprint = fingerprint;
    return fingerprint;
  }

  forget(token: string): void {
    this.#entries.forget(token);
  }
}
