import { describe, expect, it } from "vitest";
import { PAGE_STYLE, PAGE_STYLE_HASH } from "../../src/pages/page.ts";
import {
  confirmSignOutPage,
  misconfiguredPage,
  signedOutPage,
  signInFailedPage,
  unavailablePage,
} from "../../src/pages/pages.ts";

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

describe("edge-auth's pages", () => {
  it("pins the inline stylesheet in the CSP by its hash", async () => {
    expect(PAGE_STYLE_HASH).toBe(`'sha256-${await sha256Base64(PAGE_STYLE)}'`);
  });

  it("are self-contained, unframeable, uncached and without referrer", async () => {
    for (const page of [
      signInFailedPage("state_expired", "/auth/login?return_to=%2F"),
      confirmSignOutPage(200, ["https://issuer.test"]),
      signedOutPage(),
      misconfiguredPage(),
      unavailablePage(30),
    ]) {
      expect(page.headers.get("content-security-policy")).toMatch(
        /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+='; form-action 'self'( https:\/\/issuer\.test)?; frame-ancestors 'none'; base-uri 'none'$/,
      );
      expect(page.headers.get("cache-control")).toBe("private, no-store");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      const html = await page.text();
      expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\//);
    }
  });

  it("answers with the right statuses", () => {
    expect(signInFailedPage("provider_error", "/").status).toBe(400);
    expect(misconfiguredPage().status).toBe(500);
    expect(unavailablePage(12).headers.get("retry-after")).toBe("12");
  });
});
