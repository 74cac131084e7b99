import { mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, onTestFailed } from "vitest";
import { type Stack, type StackOptions, startStack } from "../../dev/stack.ts";

/** Debian's chromium (apt-get install chromium); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const SCREENSHOT_DIR = new URL("../../test-results/e2e/", import.meta.url).pathname;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** The local stack on free ports with its own KV directory, removed again by `stop`. */
export async function startIsolatedStack(options: StackOptions = {}): Promise<Stack> {
  const persistTo = await mkdtemp(join(tmpdir(), "edge-auth-e2e-"));
  const stack = await startStack({ ...options, persistTo });
  return {
    ...stack,
    async stop() {
      await stack.stop();
      await rm(persistTo, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of every open page when the current test fails (under git-ignored test-results/). */
export function screenshotOnFailure(name: string, pages: () => Page[]): void {
  onTestFailed(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    let index = 0;
    for (const page of pages()) {
      const file = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9]+/gi, "-")}-${index++}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    }
  });
}

/** Fills the development provider's sign-in form on `page` and submits it. */
export async function signInAtProvider(
  page: Page,
  issuer: string,
  username: string,
  password: string,
): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(issuer));
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
}

/**
 * A stack and a browser for one test file: started before its tests, stopped after them. Read them
 * through the returned object (they exist once `beforeAll` has run).
 */
export function useStackAndBrowser(): { readonly stack: Stack; readonly browser: Browser } {
  const started: { stack?: Stack; browser?: Browser } = {};
  beforeAll(async () => {
    [started.stack, started.browser] = await Promise.all([startIsolatedStack(), launchBrowser()]);
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.stack?.stop();
  });
  return {
    get stack() {
      if (!started.stack) throw new Error("the stack starts in beforeAll");
      return started.stack;
    },
    get browser() {
      if (!started.browser) throw new Error("the browser starts in beforeAll");
      return started.browser;
    },
  };
}
