import { describe, expect, it } from "vitest";
import type { ReusableAssertion } from "../../src/assertion/reuse-cache.ts";
import { AssertionReuseCache } from "../../src/assertion/reuse-cache.ts";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { type VerifiedEntry, VerifiedTokenCache } from "../../src/jwt/verified-token-cache.ts";

// The isolate's memory is 128 MB: every cache an attacker or a crowd of users can grow must stop
// at its bound, however many distinct keys arrive.
const DISTINCT = 100_000;
/** The caches never look inside an entry: one shared value stands for a verified token's. */
const ENTRY = { claims: {}, identity: {}, kid: "k", alg: "RS256", key: {} } as unknown as VerifiedEntry;

/** A token-shaped string of `length` characters, distinct per index. */
function tokenOf(index: number, length: number): string {
  const id = `.${index.toString(36)}.`;
  return `eyJ${"a".repeat(length - 3 - id.length)}${id}`;
}

describe("the verified-token cache after 100k distinct tokens", () => {
  it("holds at most its default number of entries (1 KB tokens)", () => {
    const cache = new VerifiedTokenCache({
      maxEntries: DEFAULTS.verifiedTokenCacheMaxEntries,
      maxBytes: DEFAULTS.verifiedTokenCacheMaxBytes,
    });
    // Each token twice, as a client that repeats it: a token verified once is never stored.
    for (let i = 0; i < DISTINCT; i++) for (const _ of [1, 2]) cache.remember(tokenOf(i, 1024), ENTRY);
    expect(cache.size).toBe(DEFAULTS.verifiedTokenCacheMaxEntries);
    // The most recent token is kept, the first one long evicted.
    expect(cache.recall(tokenOf(DISTINCT - 1, 1024))).toMatchObject(ENTRY);
    expect(cache.recall(tokenOf(0, 1024))).toBeUndefined();
  });

  it("holds at most its byte budget when tokens are large (8 KB tokens)", () => {
    const cache = new VerifiedTokenCache({
      maxEntries: DEFAULTS.verifiedTokenCacheMaxEntries,
      maxBytes: DEFAULTS.verifiedTokenCacheMaxBytes,
    });
    for (let i = 0; i < DISTINCT / 10; i++) for (const _ of [1, 2]) cache.remember(tokenOf(i, 8192), ENTRY);
    // Each entry is budgeted at twice the token's length.
    expect(cache.size).toBeLessThanOrEqual(Math.floor(DEFAULTS.verifiedTokenCacheMaxBytes / (2 * 8192)));
    expect(cache.size).toBeGreaterThan(0);
  });
});

describe("the assertion reuse cache after 100k distinct identities", () => {
  it("holds at most its default number of entries", () => {
    const cache = new AssertionReuseCache({
      maxEntries: DEFAULTS.assertionReuseMaxEntries,
      maxBytes: DEFAULTS.assertionReuseMaxBytes,
    });
    const assertion = { jwt: tokenOf(0, 700), expiresAtSeconds: 0 } as unknown as ReusableAssertion;
    for (let i = 0; i < DISTINCT; i++) cache.remember(`route|user-${i}|audience`, assertion);
    expect(cache.size).toBeLessThanOrEqual(DEFAULTS.assertionReuseMaxEntries);
    expect(cache.size).toBeGreaterThan(0);
  });
});
