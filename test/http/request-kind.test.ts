import { describe, expect, it } from "vitest";
import { classifyRequest } from "../../src/http/request-kind.ts";

const kind = (headers: Record<string, string>, method = "GET") =>
  classifyRequest(new Request("https://s.test/", { method, headers }));

describe("telling a browser navigation from an API request", () => {
  it("trusts Fetch Metadata when present", () => {
    expect(kind({ "sec-fetch-mode": "navigate", accept: "application/json" })).toBe("navigation");
    expect(kind({ "sec-fetch-mode": "cors", accept: "text/html" })).toBe("api");
  });

  it("falls back to an Accept header that prefers text/html", () => {
    expect(kind({ accept: "text/html,application/xhtml+xml,*/*;q=0.8" })).toBe("navigation");
    expect(kind({ accept: "application/json, text/html;q=0.5" })).toBe("api");
    expect(kind({ accept: "*/*" })).toBe("api");
    expect(kind({})).toBe("api");
  });

  it("never treats a request with Authorization, a CORS preflight or a POST as a navigation", () => {
    expect(kind({ "sec-fetch-mode": "navigate", authorization: "Bearer x" })).toBe("api");
    expect(kind({ "access-control-request-method": "GET", accept: "text/html" }, "OPTIONS")).toBe("api");
    expect(kind({ accept: "text/html" }, "POST")).toBe("api");
  });
});
