import { BoundedLru, type BoundedLruLimits } from "../bounded-lru.ts";

/** A signed assertion kept for reuse, and when it was issued. */
export interface ReusableAssertion {
  readonly jwt: string;
  /** Seconds since the epoch: the assertion's `iat`. */
  readonly issuedAt: number;
}

/** Entries and bytes; an entry's bytes are approximated as twice the length of its key and assertion. */
export type ReuseCacheLimits = BoundedLruLimits;

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
  readonly #entries: BoundedLru<Stored>;

  constructor(limits: ReuseCacheLimits) {
    this.#entries = new BoundedLru(limits);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The assertion stored under this key, now the most recently used; undefined on a miss. */
  recall(key: string): ReusableAssertion | undefined {
    return this.#entries.recall(key);
  }

  /** Stores an assertion, evicting the least recently used entries beyond the limits. */
  remember(key: string, assertion: ReusableAssertion): void {
    this.#entries.remember(key, { ...assertion, bytes: 2 * (key.length + assertion.jwt.length) });
  }
}
