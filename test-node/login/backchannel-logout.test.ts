import { createServer } from "node:net";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formField, TestBrowser } from "./support/browser.ts";
import { type EchoOrigin, startEchoOrigin } from "./support/origin.ts";
import { CONFIDENTIAL_CLIENT, startTestProvider, type TestProvider } from "./support/provider.ts";
import { bundleWorker, startWorker } from "./support/worker.ts";

const SESSION_COOKIE = "edge-auth"; // plain http on loopback: no __Host- prefix

let provider: TestProvider;
let origin: EchoOrigin;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
let worker: Miniflare;
let workerOrigin: string;

/** A loopback port free right now, so the provider can be told the worker's address before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  workerOrigin = `http://127.0.0.1:${port}`;
  [provider, origin, bundle] = await Promise.all([
    startTestProvider({
      workerOrigins: [workerOrigin],
      idTokenTtlSeconds: 300,
      backchannelLogoutUri: `${workerOrigin}/auth/backchannel-logout`,
    }),
    startEchoOrigin(),
    bundleWorker(),
  ]);
  worker = startWorker(
    bundle.scriptPath,
    {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: CONFIDENTIAL_CLIENT.id,
      OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
      ORIGIN_URL: origin.url,
      SESSION_SECRET: "node-test-session-secret-8d3f1a6c0b9e4f27",
      AUTH_ROUTES: [{ pattern: "*" }],
    },
    port,
  );
  await worker.ready;
});

afterAll(async () => {
  await worker?.dispose();
  await Promise.all([provider?.close(), origin?.close(), bundle?.cleanup()]);
});

describe("back-channel logout from a real OpenID Provider (oidc-provider 9) to the worker under Miniflare", () => {
  it("ends the worker's session when the user signs out at the provider: the same cookie now leads to sign-in (Back-Channel Logout 1.0 §2.5-§2.8)", async () => {
    const browser = new TestBrowser(new URL(workerOrigin), workerOrigin);
    const toForm = await browser.navigate(`${workerOrigin}/reports`);
    expect(toForm.url).toMatch(new RegExp(`^${provider.issuer}/interaction/`));
    const signedIn = await browser.navigate(toForm.url, {
      method: "POST",
      body: new URLSearchParams({ username: "alice", password: "alice-password" }).toString(),
      referrerOrigin: provider.issuer,
    });
    expect(signedIn.response.status).toBe(200);
    expect((await signedIn.response.json()) as unknown).toMatchObject({ path: "/reports" });
    const cookie = browser.jar(workerOrigin).get(SESSION_COOKIE);
    expect(cookie).toBeDefined();

    // The user signs out at the provider itself (its own confirmation form), not through the site.
    const confirmPage = await browser.request(`${provider.issuer}/session/end`, {
      referrerOrigin: provider.issuer,
    });
    expect(confirmPage.status).toBe(200);
    const confirmed = await browser.request(`${provider.issuer}/session/end/confirm`, {
      method: "POST",
      body: new URLSearchParams({
        xsrf: formField(await confirmPage.text(), "xsrf"),
        logout: "yes",
      }).toString(),
      referrerOrigin: provider.issuer,
    });
    await confirmed.arrayBuffer();
    // The provider POSTed the logout token from Node to the worker and got 200 before it answered.
    expect(provider.backchannelLogouts).toEqual(["success"]);

    // The browser still holds the cookie; the worker no longer knows its session.
    expect(browser.jar(workerOrigin).get(SESSION_COOKIE)).toBe(cookie);
    const after = await browser.request(`${workerOrigin}/reports`);
    expect(after.status).toBe(302);
    expect(after.headers.get("location")).toBe("/auth/login?return_to=%2Freports");
  });
});
