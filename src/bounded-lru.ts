/** What a value held in a `BoundedLru` counts against its byte budget. */
export interface Sized {
  readonly bytes: number;
}

export interface BoundedLruLimits {
  readonly maxEntries: number;
  /** Budget for what the entries hold, as each entry's `bytes` counts it. */
  readonly maxBytes: number;
}

/**
 * A bounded, least-recently-used map in isolate memory: at most `maxEntries` entries and `maxBytes`
 * of what they count, the least recently used evicted first. Holds values, never promises. The
 * policy (what a key is, how an entry's bytes are counted, when an entry still holds) is its user's.
 */
export class BoundedLru<V extends Sized> {
  readonly #entries = new Map<string, V>();
  #bytes = 0;

  constructor(private readonly limits: BoundedLruLimits) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, now the most recently used; undefined on a miss. */
  recall(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** The value under `key`, leaving its place in the order as it is. */
  peek(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /**
   * Stores a value (replacing the one under `key`), evicting the least recently used entries beyond
   * the limits. A value larger than the whole budget, or any value when `maxEntries` is 0, is not kept.
   */
  remember(key: string, value: V): void {
    if (this.limits.maxEntries <= 0 || value.bytes > this.limits.maxBytes) return;
    this.forget(key);
    this.#entries.set(key, value);
    this.#bytes += value.bytes;
    for (const [oldest, stored] of this.#entries) {
      if (this.#entries.size <= this.limits.maxEntries && this.#bytes <= this.limits.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= stored.bytes;
    }
  }

  forget(key: string): void {
    const stored = this.#entries.get(key);
    if (stored === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= stored.bytes;
  }
}
