import { describe, expect, it } from "vitest";
import { createHarness } from "../support/harness.ts";

/**
 * `OPTIONS * HTTP/1.1` names the server, not a resource (RFC 9112 §3.2.4, RFC 9110 §9.3.7). No request
 * URL can hold a bare `*`: the forms a worker can be handed glue it to the host, as `wrangler dev` does.
 */
const ASTERISK_TARGETS = ["https://site.test*", "http://127.0.0.1*/"];

describe("asterisk-form requests (OPTIONS *)", () => {
  it("answers OPTIONS * at the edge with 204, Allow and no-store, reaching no origin", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*", access: "public" }] } });
    for (const target of ASTERISK_TARGETS) {
      const res = await h.fetch(target, { method: "OPTIONS" });
      expect(res.status).toBe(204);
      expect(res.headers.get("allow")).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(await res.text()).toBe("");
    }
    expect(h.originCalls).toHaveLength(0);
    expect(h.outbound).toEqual([]);
    expect(h.events("decision")).toHaveLength(ASTERISK_TARGETS.length);
    expect(h.events("decision")[0]).toMatchObject({ route: "(server)", outcome: "answered", status: 204 });
  });

  it("refuses any other method with the asterisk target as a bad request (RFC 9112 §3.2.4)", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*", access: "public" }] } });
    for (const method of ["GET", "POST", "DELETE"]) {
      const res = await h.fetch("https://site.test*", {
        method,
        ...(method === "POST" ? { body: "x=1" } : {}),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
    }
    expect(h.originCalls).toHaveLength(0);
    expect(h.events("decision")[0]).toMatchObject({
      route: "(server)",
      outcome: "refused",
      reason: "asterisk_form",
      status: 400,
    });
  });

  it("answers OPTIONS * without an identity even where every path needs one", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*" }] } });
    const res = await h.fetch("https://site.test*", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(h.originCalls).toHaveLength(0);
  });

  it("treats the origin-form path /* as a path like any other", async () => {
    const h = await createHarness({ vars: { AUTH_ROUTES: [{ pattern: "*", access: "public" }] } });
    const res = await h.fetch("/*", { method: "OPTIONS" });
    expect(res.status).toBe(200);
    expect(h.originCalls.map((call) => [call.method, call.url])).toEqual([
      ["OPTIONS", "https://origin.test/*"],
    ]);
  });
});
