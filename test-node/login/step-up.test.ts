import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "./support/browser.ts";
import { type EchoOrigin, startEchoOrigin } from "./support/origin.ts";
import { CONFIDENTIAL_CLIENT, startTestProvider, type TestProvider } from "./support/provider.ts";
import { bundleWorker, startWorker } from "./support/worker.ts";

const WORKER_ORIGIN = "http://localhost:8787";
const MFA = "urn:example:mfa";

let provider: TestProvider;
let origin: EchoOrigin;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
const workers: Miniflare[] = [];

beforeAll(async () => {
  [provider, origin, bundle] = await Promise.all([
    startTestProvider({ workerOrigins: [WORKER_ORIGIN], idTokenTtlSeconds: 600 }),
    startEchoOrigin(),
    bundleWorker(),
  ]);
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.dispose()));
  await Promise.all([provider?.close(), origin?.close(), bundle?.cleanup()]);
});

async function newBrowser(): Promise<TestBrowser> {
  const worker = startWorker(bundle.scriptPath, {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: CONFIDENTIAL_CLIENT.id,
    OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
    ORIGIN_URL: origin.url,
    SESSION_SECRET: "node-test-session-secret-8d3f1a6c0b9e4f27",
    AUTH_ROUTES: [
      { pattern: "/", access: "public" },
      { pattern: "/transfers/*", require_acr: [MFA], require_amr: ["otp", "hwk"], max_age: 300 },
      { pattern: "*" },
    ],
  });
  workers.push(worker);
  return new TestBrowser(await worker.unsafeGetDirectURL(), WORKER_ORIGIN);
}

/** Navigates to `path` and, at the provider's password form, signs in with the given acr and amr. */
async function signInVia(browser: TestBrowser, path: string, login: { acr?: string; amr?: string }) {
  const toForm = await browser.navigate(`${WORKER_ORIGIN}${path}`);
  expect(toForm.url).toMatch(new RegExp(`^${provider.issuer}/interaction/`));
  const authorize = toForm.hops.find((hop) => hop.url.startsWith(`${provider.issuer}/auth?`));
  const back = await browser.navigate(toForm.url, {
    method: "POST",
    body: new URLSearchParams({ username: "alice", password: "alice-password", ...login }).toString(),
    referrerOrigin: provider.issuer,
  });
  return { ...back, firstHop: toForm.hops[0], authorize: new URL(authorize!.url) };
}

describe("step-up per route against a real OpenID Provider (oidc-provider 9, acrValues)", () => {
  it("steps a password session up to the route's acr and amr with acr_values, max_age and prompt=login", async () => {
    const browser = await newBrowser();
    const first = await signInVia(browser, "/reports", { acr: "urn:example:pwd", amr: "pwd" });
    expect(first.response.status).toBe(200);

    const stepUp = await signInVia(browser, "/transfers/new", { acr: MFA, amr: "pwd,otp" });
    expect(stepUp.firstHop).toMatchObject({
      status: 302,
      location: "/auth/login?return_to=%2Ftransfers%2Fnew&step_up=1&reauth=1",
    });
    expect(stepUp.authorize.searchParams.get("acr_values")).toBe(MFA);
    expect(stepUp.authorize.searchParams.get("max_age")).toBe("300");
    expect(stepUp.authorize.searchParams.get("prompt")).toBe("login");
    expect(stepUp.response.status).toBe(200);
    expect(((await stepUp.response.json()) as { path: string }).path).toBe("/transfers/new");

    // The new session records the new acr, amr and auth_time: the route admits it from now on.
    expect((await browser.request(`${WORKER_ORIGIN}/transfers/other`)).status).toBe(200);
  });

  it("shows the 403 page, and no further redirect, when the provider signs in without the second factor", async () => {
    const browser = await newBrowser();
    await signInVia(browser, "/reports", { acr: "urn:example:pwd", amr: "pwd" });
    const weak = await signInVia(browser, "/transfers/new", { acr: "urn:example:pwd", amr: "pwd" });
    expect(weak.response.status).toBe(403);
    expect(weak.hops.at(-1)!.url).toMatch(new RegExp(`^${WORKER_ORIGIN}/auth/callback`));
    expect(await weak.response.text()).toContain(`the authentication level ${MFA} (acr)`);
    expect((await browser.request(`${WORKER_ORIGIN}/reports`)).status).toBe(200);
  });
});
