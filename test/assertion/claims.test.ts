import { describe, expect, it } from "vitest";
import { boundGroups } from "../../src/assertion/claims.ts";
import { AssertionReuseCache } from "../../src/assertion/reuse-cache.ts";

describe("bounding the groups of an assertion", () => {
  const limits = { maxGroups: 3, maxGroupsBytes: 12 };

  it("keeps every group when they fit, unmarked", () => {
    expect(boundGroups(["a", "b", "c"], limits)).toEqual({ groups: ["a", "b", "c"], truncated: false });
    expect(boundGroups([], limits)).toEqual({ groups: [], truncated: false });
  });

  it("keeps a prefix of at most maxGroups entries", () => {
    expect(boundGroups(["a", "b", "c", "d"], limits)).toEqual({ groups: ["a", "b", "c"], truncated: true });
  });

  it("stops at the first group that would pass the byte budget, counting UTF-8 bytes", () => {
    expect(boundGroups(["abcde", "fghij", "klm", "n"], limits)).toEqual({
      groups: ["abcde", "fghij"],
      truncated: true,
    });
    // "é" is two bytes: five of them are 10 bytes, and "ééé" (6 more) no longer fits.
    expect(boundGroups(["ééééé", "ééé"], limits)).toEqual({ groups: ["ééééé"], truncated: true });
    expect(boundGroups(["x".repeat(13)], limits)).toEqual({ groups: [], truncated: true });
  });
});

describe("the reuse cache", () => {
  it("forgets the least recently used assertion beyond its entry limit", () => {
    const cache = new AssertionReuseCache({ maxEntries: 2, maxBytes: 1_000_000 });
    cache.remember("a", { jwt: "ja", issuedAt: 1 });
    cache.remember("b", { jwt: "jb", issuedAt: 1 });
    expect(cache.recall("a")?.jwt).toBe("ja");
    cache.remember("c", { jwt: "jc", issuedAt: 1 });
    expect([cache.recall("a")?.jwt, cache.recall("b"), cache.recall("c")?.jwt]).toEqual([
      "ja",
      undefined,
      "jc",
    ]);
    expect(cache.size).toBe(2);
  });

  it("stays within its byte budget and never keeps an entry larger than the budget", () => {
    const cache = new AssertionReuseCache({ maxEntries: 100, maxBytes: 40 });
    cache.remember("k1", { jwt: "x".repeat(8), issuedAt: 1 });
    cache.remember("k2", { jwt: "x".repeat(8), issuedAt: 1 });
    cache.remember("k3", { jwt: "x".repeat(8), issuedAt: 1 });
    expect([cache.recall("k1"), cache.size]).toEqual([undefined, 2]);
    cache.remember("huge", { jwt: "x".repeat(100), issuedAt: 1 });
    expect([cache.recall("huge"), cache.size]).toEqual([undefined, 2]);
  });

  it("replaces the assertion stored under a key without counting it twice", () => {
    const cache = new AssertionReuseCache({ maxEntries: 100, maxBytes: 40 });
    cache.remember("k1", { jwt: "old-jwt", issuedAt: 1 });
    cache.remember("k1", { jwt: "new-jwt", issuedAt: 2 });
    cache.remember("k2", { jwt: "x".repeat(8), issuedAt: 1 });
    // 18 + 20 bytes fit the budget of 40 only if the replaced entry's 18 were given back.
    expect([cache.recall("k1")?.jwt, cache.recall("k1")?.issuedAt, cache.size]).toEqual(["new-jwt", 2, 2]);
  });
});
