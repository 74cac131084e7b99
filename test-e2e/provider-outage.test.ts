import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Stack } from "../dev/stack.ts";
import {
  launchBrowser,
  screenshotOnFailure,
  signInAtProvider,
  startIsolatedStack,
} from "./support/browser.ts";

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startIsolatedStack(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it("keeps a signed-in browser browsing after the provider goes down", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  screenshotOnFailure("provider-outage", () => context.pages());
  await page.goto(`${stack.siteUrl}/app/`);
  await signInAtProvider(page, stack.issuer, "alice", "alice-password");
  await page.waitForURL(`${stack.siteUrl}/app/`);

  await stack.stopProvider();
  await expect(fetch(`${stack.issuer}/.well-known/openid-configuration`)).rejects.toThrow();

  for (const path of ["/app/", "/admin/", "/auth/whoami"]) {
    const response = await page.goto(`${stack.siteUrl}${path}`);
    expect(response?.status(), path).toBe(200);
  }
  expect(await page.textContent("body")).toContain("alice@example.com");
  await context.close();
});
