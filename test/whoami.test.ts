import { describe, expect, it } from "vitest";
import { Browser } from "./support/browser.ts";
import { signToken, validClaims } from "./support/fake-issuer.ts";
import { createHarness } from "./support/harness.ts";

describe("/auth/whoami", () => {
  it("describes the signed-in session as JSON", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    await browser.signIn("/");
    const res = await browser.visit("/auth/whoami", { headers: { accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.json()).toEqual({
      sub: "user-123",
      email: "ada@example.com",
      name: "Ada Lovelace",
      groups: ["staff"],
      issuer: "https://issuer.test",
      issuerName: "login",
      tokenType: "id_token",
      expiresAt: h.nowSeconds() + 2 * 3600,
      via: "session",
    });
  });

  it("describes a bearer identity", async () => {
    const h = await createHarness();
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const res = await h.fetch("/auth/whoami", h.bearer(token));
    expect(await res.json()).toMatchObject({
      sub: "user-123",
      expiresAt: h.nowSeconds() + 600,
      via: "bearer",
    });
  });

  it("answers 401 without a credential, never a redirect", async () => {
    const h = await createHarness();
    const res = await h.fetch("/auth/whoami", {
      headers: { "sec-fetch-mode": "navigate", accept: "text/html" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edge-auth"');
  });
});
