import { describe, expect, it } from "vitest";
import { SecretKeys } from "../../src/crypto/secret-keys.ts";
import { DEFAULT_RETURN_TO, returnToUrl, safeReturnTo } from "../../src/oidc/return-to.ts";
import { openTransaction } from "../../src/oidc/transaction.ts";
import { Browser, NAVIGATION } from "../support/browser.ts";
import { createHarness, SITE, TEST_SESSION_SECRET } from "../support/harness.ts";
import openRedirects from "../vectors/oauth2-proxy/openredirects.txt?raw";

const VECTORS_SHA256 = "4d9e1de70ab62cc597a3aff33f028f86757aa4013132f0e096d46367956988ac";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const entries = openRedirects.split("\n").slice(0, -1);

describe("return_to after sign-in", () => {
  it("keeps paths and queries on this site", () => {
    expect(safeReturnTo("/reports?year=2026&q=a%20b", SITE)).toBe("/reports?year=2026&q=a%20b");
    expect(safeReturnTo("/a/./b/../c", SITE)).toBe("/a/c");
    expect(safeReturnTo("/docs#section", SITE)).toBe("/docs");
    expect(safeReturnTo("/%2e%2e/x", SITE)).toBe("/x");
  });

  it("falls back to / for anything that is not a path on this site", () => {
    for (const requested of [
      null,
      "",
      "https://evil.test/",
      "https://site.test/absolute-urls-are-not-paths",
      "//evil.test/",
      "/\\evil.test/",
      "\\\\evil.test",
      "/\t/evil.test",
      "javascript:alert(1)",
      "reports",
      `/${"a".repeat(3000)}`,
    ]) {
      expect(safeReturnTo(requested, SITE), String(requested)).toBe(DEFAULT_RETURN_TO);
    }
  });

  it("never returns a path a browser would read as another host", () => {
    // The URL parser turns "/.//evil.test" into the path "//evil.test" on this site.
    const kept = safeReturnTo("/.//evil.test/x", SITE);
    expect(kept).toBe("/evil.test/x");
    expect(new URL(returnToUrl(kept, SITE)).origin).toBe(SITE);
  });

  it("does not send a browser back into edge-auth's own endpoints", () => {
    for (const path of ["/auth/login", "/auth/logout", "/auth/callback?code=x", "/auth/signed-out"])
      expect(safeReturnTo(path, SITE)).toBe(DEFAULT_RETURN_TO);
    expect(safeReturnTo("/auth/other", SITE)).toBe("/auth/other");
  });

  it("uses the vendored oauth2-proxy open-redirect list unchanged (559 entries)", async () => {
    expect(await sha256Hex(openRedirects)).toBe(VECTORS_SHA256);
    expect(entries).toHaveLength(559);
  });

  it("ends every oauth2-proxy open-redirect entry on the site itself", () => {
    const escaped = entries.filter(
      (entry) => new URL(returnToUrl(safeReturnTo(entry, SITE), SITE)).origin !== SITE,
    );
    expect(escaped).toEqual([]);
  });

  it("keeps every oauth2-proxy open-redirect entry on the site through /auth/login's sealed attempt", async () => {
    const h = await createHarness();
    const secrets = new SecretKeys(TEST_SESSION_SECRET);
    const escaped: string[] = [];
    for (const entry of entries) {
      const res = await h.fetch(`/auth/login?return_to=${encodeURIComponent(entry)}`, {
        headers: NAVIGATION,
      });
      const [pair = ""] = res.headers.getSetCookie().at(-1)?.split(";") ?? [];
      const eq = pair.indexOf("=");
      const attempt = await openTransaction(pair.slice(eq + 1), pair.slice(0, eq), secrets);
      if (!attempt || new URL(returnToUrl(attempt.returnTo, SITE)).origin !== SITE) escaped.push(entry);
    }
    expect(escaped).toEqual([]);
  });

  it("lands on the site after a complete sign-in for a sample of the open-redirect entries", async () => {
    const h = await createHarness();
    const sample = entries.filter((_, index) => index % 20 === 0);
    const landed: string[] = [];
    for (const entry of sample) {
      const browser = new Browser(h);
      const authorizationUrl = await browser.startLogin(`/auth/login?return_to=${encodeURIComponent(entry)}`);
      const callback = await browser.visit(h.provider.approve(authorizationUrl));
      expect(callback.status, entry).toBe(303);
      landed.push(new URL(callback.headers.get("location")!).origin);
    }
    expect(new Set(landed)).toEqual(new Set([SITE]));
  });
});
