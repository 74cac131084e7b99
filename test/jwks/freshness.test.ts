import { describe, expect, it } from "vitest";
import { ageSeconds, clampMaxAgeSeconds, freshForMs, judgeFreshness } from "../../src/jwks/freshness.ts";

const fetchedAt = Date.UTC(2026, 10, 22, 12, 0, 0);
const entry = { fetchedAt, maxAgeSeconds: 600 };
const maxStaleSeconds = 3600;

describe("freshness of a cached document", () => {
  it("is fresh while younger than max-age (RFC 9111 §4.2)", () => {
    expect(judgeFreshness(entry, maxStaleSeconds, fetchedAt)).toBe("fresh");
    expect(judgeFreshness(entry, maxStaleSeconds, fetchedAt + 600_000 - 1)).toBe("fresh");
  });

  it("is stale from max-age until max-age + max-stale (RFC 9111 §5.2.1.2)", () => {
    expect(judgeFreshness(entry, maxStaleSeconds, fetchedAt + 600_000)).toBe("stale");
    expect(judgeFreshness(entry, maxStaleSeconds, fetchedAt + 4_200_000 - 1)).toBe("stale");
  });

  it("is expired from max-age + max-stale on", () => {
    expect(judgeFreshness(entry, maxStaleSeconds, fetchedAt + 4_200_000)).toBe("expired");
  });

  it("has no stale window when max-stale is 0", () => {
    expect(judgeFreshness(entry, 0, fetchedAt + 600_000 - 1)).toBe("fresh");
    expect(judgeFreshness(entry, 0, fetchedAt + 600_000)).toBe("expired");
  });

  it("counts a document dated slightly ahead of the clock as new, not as negative age", () => {
    expect(judgeFreshness(entry, maxStaleSeconds, fetchedAt - 5000)).toBe("fresh");
    expect(ageSeconds(entry, fetchedAt - 5000)).toBe(0);
    expect(ageSeconds(entry, fetchedAt + 90_500)).toBe(90.5);
  });

  it("tells how long it stays fresh", () => {
    expect(freshForMs(entry, fetchedAt + 100_000)).toBe(500_000);
    expect(freshForMs(entry, fetchedAt + 700_000)).toBe(-100_000);
  });
});

describe("the max-age a document is cached for", () => {
  const bounds = { minMaxAgeSeconds: 300, maxMaxAgeSeconds: 86_400 };

  it("takes the provider's Cache-Control max-age within the bounds", () => {
    expect(clampMaxAgeSeconds(3600, bounds)).toBe(3600);
  });

  it("raises a short, missing or no-store max-age to the lower bound", () => {
    expect(clampMaxAgeSeconds(5, bounds)).toBe(300);
    expect(clampMaxAgeSeconds(0, bounds)).toBe(300);
    expect(clampMaxAgeSeconds(undefined, bounds)).toBe(300);
    expect(clampMaxAgeSeconds(Number.NaN, bounds)).toBe(300);
  });

  it("lowers a max-age beyond the upper bound to it", () => {
    expect(clampMaxAgeSeconds(31_536_000, bounds)).toBe(86_400);
  });
});
