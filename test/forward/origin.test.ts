import { describe, expect, it } from "vitest";
import { keepPrivate } from "../../src/forward/origin.ts";

const cacheControlAfter = (value?: string) =>
  keepPrivate(
    new Response("x", value === undefined ? {} : { headers: { "cache-control": value } }),
  ).headers.get("cache-control");

describe("keeping identified responses out of shared caches", () => {
  it("turns public into private and drops s-maxage, keeping the other directives", () => {
    expect(cacheControlAfter("public, max-age=60, s-maxage=600, must-revalidate")).toBe(
      "private, max-age=60, must-revalidate",
    );
  });

  it("marks a response without Cache-Control private", () => {
    expect(cacheControlAfter()).toBe("private");
  });

  it("leaves private and no-store answers as the origin sent them", () => {
    expect(cacheControlAfter("no-store")).toBe("no-store");
    expect(cacheControlAfter("private, max-age=5")).toBe("private, max-age=5");
  });
});

describe("what keepPrivate refuses to leave shareable", () => {
  it('treats a qualified private="set-cookie" as shareable and makes the whole response private', () => {
    expect(cacheControlAfter('private="set-cookie", max-age=60')).toBe("private, max-age=60");
    expect(cacheControlAfter("no-store=x, max-age=60")).toBe("private, no-store=x, max-age=60");
  });

  it("removes the headers that only shared caches read (CDN-Cache-Control, Surrogate-Control)", () => {
    for (const cacheControl of ["public, max-age=60", "private"]) {
      const response = keepPrivate(
        new Response("x", {
          headers: {
            "cache-control": cacheControl,
            "cdn-cache-control": "max-age=3600",
            "cloudflare-cdn-cache-control": "max-age=3600",
            "surrogate-control": "max-age=3600",
          },
        }),
      );
      expect(response.headers.get("cdn-cache-control")).toBeNull();
      expect(response.headers.get("cloudflare-cdn-cache-control")).toBeNull();
      expect(response.headers.get("surrogate-control")).toBeNull();
    }
  });

  it("passes a WebSocket upgrade (101) through as the very same response", () => {
    const pair = new WebSocketPair();
    const upgrade = new Response(null, { status: 101, webSocket: pair[0] });
    const passed = keepPrivate(upgrade);
    expect(passed).toBe(upgrade);
    expect(passed.webSocket).toBe(pair[0]);
  });
});
