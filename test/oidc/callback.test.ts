import { describe, expect, it } from "vitest";
import { Browser } from "../support/browser.ts";
import { createHarness } from "../support/harness.ts";

describe("the login callback", () => {
  it("signs a browser in: code exchanged, session created, 303 back to the page it asked for", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    const callback = await browser.signIn("/reports?year=2026");
    expect(callback.status).toBe(303);
    expect(callback.headers.get("location")).toBe("https://site.test/reports?year=2026");
    expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
    const session = browser.cookies.get("__Host-edge-auth");
    expect(session?.line).toMatch(
      /^__Host-edge-auth=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=86400$/,
    );
    const page = await browser.visit("/reports?year=2026");
    expect(page.status).toBe(200);
    const call = h.originCalls.at(-1)!;
    expect(call.headers.get("x-auth-sub")).toBe("user-123");
    expect(call.headers.get("x-auth-email")).toBe("ada@example.com");
    expect(call.headers.get("cookie")).toBeNull();
  });
});
