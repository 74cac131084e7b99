import { describe, expect, it } from "vitest";
import { serverTimingValue } from "../../src/observe/server-timing.ts";
import { signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness } from "../support/harness.ts";

describe("the Server-Timing header", () => {
  it("is not sent by default", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    expect((await h.fetch("/private", h.bearer(token))).headers.get("server-timing")).toBeNull();
    expect((await h.fetch("/private")).headers.get("server-timing")).toBeNull();
  });

  it("reports key lookup, verification and edge-auth's total when SERVER_TIMING is on (W3C Server Timing)", async () => {
    const h = await createHarness({ vars: { SERVER_TIMING: true } });
    h.issuer.jwksResponder = () => {
      h.clock.nowMs += 75;
      return Response.json({ keys: h.issuer.keys.map((k) => k.publicJwk) });
    };
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const first = await h.fetch("/private", h.bearer(token));
    expect(first.status).toBe(200);
    expect(first.headers.get("server-timing")).toBe("keys;dur=75, verify;dur=0, auth;dur=75");
    expect(first.headers.get("x-origin")).toBe("yes");
    const second = await h.fetch("/private", h.bearer(token));
    expect(second.headers.get("server-timing")).toBe("keys;dur=0, verify;dur=0, auth;dur=0");
  });

  it("is added to refusals and public routes too, with only what applies", async () => {
    const h = await createHarness({ vars: { SERVER_TIMING: "true" } });
    expect((await h.fetch("/private")).headers.get("server-timing")).toBe("auth;dur=0");
    expect((await h.fetch("/public/x")).headers.get("server-timing")).toBe("auth;dur=0");
  });

  it("keeps the origin's own Server-Timing entries and appends edge-auth's", async () => {
    const h = await createHarness({ vars: { SERVER_TIMING: "true" } });
    h.origin.respond = () => new Response("ok", { headers: { "server-timing": 'db;dur=53;desc="query"' } });
    const res = await h.fetch("/public/x");
    expect(res.headers.get("server-timing")).toBe('db;dur=53;desc="query", auth;dur=0');
  });

  it("rounds durations to a tenth of a millisecond", () => {
    expect(serverTimingValue({ keyLookupMs: 1.26, verifyMs: 0.04, authMs: 1.3 })).toBe(
      "keys;dur=1.3, verify;dur=0, auth;dur=1.3",
    );
  });
});
