import { expect, it } from "vitest";
import { screenshotOnFailure, signInAtProvider, useStackAndBrowser } from "./support/browser.ts";

const env = useStackAndBrowser();

it("keeps a signed-in browser browsing after the provider goes down", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  screenshotOnFailure("provider-outage", () => context.pages());
  await page.goto(`${env.stack.siteUrl}/app/`);
  await signInAtProvider(page, env.stack.issuer, "alice", "alice-password");
  await page.waitForURL(`${env.stack.siteUrl}/app/`);

  await env.stack.stopProvider();
  await expect(fetch(`${env.stack.issuer}/.well-known/openid-configuration`)).rejects.toThrow();

  for (const path of ["/app/", "/admin/", "/auth/whoami"]) {
    const response = await page.goto(`${env.stack.siteUrl}${path}`);
    expect(response?.status(), path).toBe(200);
  }
  expect(await page.textContent("body")).toContain("alice@example.com");
  await context.close();
});
