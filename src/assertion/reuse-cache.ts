/** A signed assertion kept for reuse, and when it was issued. */
export interface ReusableAssertion {
  readonly jwt: string;
  /** Seconds since the epoch: the assertion's `iat`. */
  readonly issuedAt: number;
}

export interface ReuseCacheLimits {
  readonly maxEntries: number;
  /** Budget for keys and assertions held, approximated as twice their length. */
  readonly maxBytes: number;
}

interface Stored extends ReusableAssertion {
  readonly bytes: number;
}

/**
 * A bounded, least-recently-used memory of the assertions this isolate signed, keyed by their claim
 * set's JSON text, so that the same identity on the same route for the same audience is signed once
 * per reuse window rather than once per request. Holds values only, never promises: two requests that
 * miss at once both sign, and the later one is kept.
 */
export class AssertionReuseCache {
  readonly #entries = new Map<string, Stored>();
  #bytes = 0;

  constructor(private readonly limits: ReuseCacheLimits) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The assertion stored under this key, now the most recently used; undefined on a miss. */
  recall(key: string): ReusableAssertion | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /** Stores an assertion, evicting the least recently used entries beyond the limits. */
  remember(key: string, assertion: ReusableAssertion): void {
    const bytes = 2 * (key.length + assertion.jwt.length);
    if (this.limits.maxEntries <= 0 || bytes > this.limits.maxBytes) return;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    this.#entries.set(key, { ...assertion, bytes });
    this.#bytes += bytes;
    for (const [oldest, stored] of this.#entries) {
      if (this.#entries.size <= this.limits.maxEntries && this.#bytes <= this.limits.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= stored.bytes;
    }
  }
}
