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
