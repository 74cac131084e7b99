import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshotOnFailure, signInAtProvider, useStackAndBrowser } from "./support/browser.ts";

const env = useStackAndBrowser();

async function freshContext(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  screenshotOnFailure(name, () => context.pages());
  return { context, page };
}

describe("signing in with a real browser", () => {
  it("sends a protected page to the provider's sign-in and back to the page first asked for", async () => {
    const { context, page } = await freshContext("sign-in-return-to");
    await page.goto(`${env.stack.siteUrl}/app/?tab=profile`);
    await signInAtProvider(page, env.stack.issuer, "alice", "alice-password");
    await page.waitForURL(`${env.stack.siteUrl}/app/?tab=profile`);
    await expect.poll(() => page.textContent("[data-identity]")).toContain("alice@example.com");
    await context.close();
  });

  it("shows the public page without asking anyone to sign in", async () => {
    const { context, page } = await freshContext("public-page");
    const response = await page.goto(`${env.stack.siteUrl}/`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${env.stack.siteUrl}/`);
    await context.close();
  });

  it("shows bob the 403 page on the admin page, and lets alice in", async () => {
    const bob = await freshContext("admin-bob");
    await bob.page.goto(`${env.stack.siteUrl}/admin/`);
    await signInAtProvider(bob.page, env.stack.issuer, "bob", "bob-password");
    await bob.page.waitForURL(`${env.stack.siteUrl}/admin/`);
    const bobAnswer = await bob.page.reload();
    expect(bobAnswer?.status()).toBe(403);
    expect(await bob.page.textContent("body")).toContain("bob@example.com");
    await bob.context.close();

    const alice = await freshContext("admin-alice");
    await alice.page.goto(`${env.stack.siteUrl}/admin/`);
    await signInAtProvider(alice.page, env.stack.issuer, "alice", "alice-password");
    await alice.page.waitForURL(`${env.stack.siteUrl}/admin/`);
    const aliceAnswer = await alice.page.reload();
    expect(aliceAnswer?.status()).toBe(200);
    await alice.context.close();
  });

  it("lets two tabs of one browser sign in at the same time", async () => {
    const { context, page } = await freshContext("two-tabs");
    const second = await context.newPage();
    await Promise.all([page.goto(`${env.stack.siteUrl}/app/`), second.goto(`${env.stack.siteUrl}/admin/`)]);
    await Promise.all([
      signInAtProvider(page, env.stack.issuer, "alice", "alice-password"),
      signInAtProvider(second, env.stack.issuer, "alice", "alice-password"),
    ]);
    await Promise.all([
      page.waitForURL(`${env.stack.siteUrl}/app/`),
      second.waitForURL(`${env.stack.siteUrl}/admin/`),
    ]);
    await context.close();
  });

  it("answers a script's fetch without a session with 401, not a redirect", async () => {
    const { context, page } = await freshContext("api-fetch");
    await page.goto(`${env.stack.siteUrl}/`);
    const status = await page.evaluate(
      async () => (await fetch("/app/", { headers: { accept: "application/json" } })).status,
    );
    expect(status).toBe(401);
    await context.close();
  });

  it("signs out for real: the protected page asks for sign-in again", async () => {
    const { context, page } = await freshContext("sign-out");
    await page.goto(`${env.stack.siteUrl}/app/`);
    await signInAtProvider(page, env.stack.issuer, "alice", "alice-password");
    await page.waitForURL(`${env.stack.siteUrl}/app/`);
    await page.click("form[action='/auth/logout'] button");
    // The provider may ask to confirm ending its own session.
    await page.waitForURL(
      (url) => url.pathname === "/auth/signed-out" || url.href.startsWith(env.stack.issuer),
    );
    if (page.url().startsWith(env.stack.issuer)) {
      await page.click("button[type=submit]");
      await page.waitForURL((url) => url.pathname === "/auth/signed-out");
    }
    await page.goto(`${env.stack.siteUrl}/app/`);
    await page.waitForURL((url) => url.href.startsWith(env.stack.issuer));
    expect(await page.isVisible("#password")).toBe(true);
    await context.close();
  });
});
