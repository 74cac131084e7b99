import { setTimeout as sleep } from "node:timers/promises";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formField, TestBrowser } from "./support/browser.ts";
import { type EchoOrigin, startEchoOrigin } from "./support/origin.ts";
import {
  CONFIDENTIAL_CLIENT,
  PUBLIC_CLIENT,
  startTestProvider,
  type TestProvider,
} from "./support/provider.ts";
import { bundleWorker, startWorker } from "./support/worker.ts";

const WORKER_ORIGIN = "http://localhost:8787";
const SESSION_COOKIE = "edge-auth"; // plain http on loopback: no __Host- prefix
// Short enough that the test sees a renewal, long enough that a loaded machine signs in and browses first.
const ID_TOKEN_TTL_SECONDS = 3;

let provider: TestProvider;
let origin: EchoOrigin;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
const workers: Miniflare[] = [];

beforeAll(async () => {
  [provider, origin, bundle] = await Promise.all([
    startTestProvider({ workerOrigins: [WORKER_ORIGIN], idTokenTtlSeconds: ID_TOKEN_TTL_SECONDS }),
    startEchoOrigin(),
    bundleWorker(),
  ]);
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.dispose()));
  await Promise.all([provider?.close(), origin?.close(), bundle?.cleanup()]);
});

async function browserFor(bindings: Record<string, unknown>): Promise<TestBrowser> {
  const worker = startWorker(bundle.scriptPath, {
    OIDC_ISSUER: provider.issuer,
    ORIGIN_URL: origin.url,
    SESSION_SECRET: "node-test-session-secret-8d3f1a6c0b9e4f27",
    AUTH_ROUTES: [
      { pattern: "/", access: "public" },
      { pattern: "/admin/*", allow: { groups: ["admins"] } },
      { pattern: "*" },
    ],
    ...bindings,
  });
  workers.push(worker);
  return new TestBrowser(await worker.unsafeGetDirectURL(), WORKER_ORIGIN);
}

/** From a protected page to the provider's password form; returns the form's URL and the hops there. */
async function reachProviderLogin(browser: TestBrowser, path: string) {
  const { response, url, hops } = await browser.navigate(`${WORKER_ORIGIN}${path}`);
  expect(response.status).toBe(200);
  expect(url).toMatch(new RegExp(`^${provider.issuer}/interaction/`));
  expect(hops[0]).toMatchObject({
    status: 302,
    location: `/auth/login?return_to=${encodeURIComponent(path)}`,
  });
  return { formUrl: url, hops };
}

/** The whole sign-in as a user would do it; `hops` runs from the protected page to the final page. */
async function signIn(browser: TestBrowser, path: string, user: string, password: string) {
  const toForm = await reachProviderLogin(browser, path);
  const back = await browser.navigate(toForm.formUrl, {
    method: "POST",
    body: new URLSearchParams({ username: user, password }).toString(),
    referrerOrigin: provider.issuer,
  });
  return { ...back, hops: [...toForm.hops, ...back.hops] };
}

async function originSaw(response: Response): Promise<{ path: string; headers: Record<string, string> }> {
  return (await response.json()) as { path: string; headers: Record<string, string> };
}

describe("browser sign-in against a real OpenID Provider (oidc-provider 9) with the worker under Miniflare", () => {
  it("signs in (confidential client), browses, renews silently, and signs out at the provider too", async () => {
    const browser = await browserFor({
      OIDC_CLIENT_ID: CONFIDENTIAL_CLIENT.id,
      OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
    });

    const signedIn = await signIn(browser, "/reports?year=2026", "alice", "alice-password");
    expect(signedIn.response.status).toBe(200);
    const callbackHop = signedIn.hops.find((hop) => hop.url.startsWith(`${WORKER_ORIGIN}/auth/callback`));
    expect(callbackHop).toMatchObject({ status: 303, location: `${WORKER_ORIGIN}/reports?year=2026` });
    // RFC 9207: the provider names itself in the authorization response; the worker checked it.
    expect(new URL(callbackHop!.url).searchParams.get("iss")).toBe(provider.issuer);
    const seen = await originSaw(signedIn.response);
    expect(seen.path).toBe("/reports?year=2026");
    expect(seen.headers).toMatchObject({
      "x-auth-sub": "alice",
      "x-auth-email": "alice@example.test",
      "x-auth-name": "Alice Adams",
      "x-auth-groups": "admins,staff",
      "x-auth-issuer": provider.issuer,
    });
    expect(seen.headers.cookie).toBeUndefined();
    expect(provider.grants).toEqual(["authorization_code"]);

    const whoami = await browser.request(`${WORKER_ORIGIN}/auth/whoami`, {
      headers: { accept: "application/json" },
    });
    expect(await whoami.json()).toMatchObject({ sub: "alice", groups: ["admins", "staff"], via: "session" });
    expect((await browser.request(`${WORKER_ORIGIN}/admin/panel`)).status).toBe(200);

    // The ID token lives ID_TOKEN_TTL_SECONDS; after it the next request renews the session with the refresh token.
    await sleep(ID_TOKEN_TTL_SECONDS * 1000 + 1100);
    const renewed = await browser.request(`${WORKER_ORIGIN}/reports`);
    expect(renewed.status).toBe(200);
    expect((await originSaw(renewed)).headers["x-auth-sub"]).toBe("alice");
    expect(provider.grants).toContain("refresh_token");

    const copiedCookie = browser.jar(WORKER_ORIGIN).get(SESSION_COOKIE)!;
    const logout = await browser.navigate(`${WORKER_ORIGIN}/auth/logout`, {
      method: "POST",
      referrerOrigin: WORKER_ORIGIN,
    });
    const toProvider = new URL(logout.hops[0]!.location!);
    expect(`${toProvider.origin}${toProvider.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(toProvider.searchParams.get("post_logout_redirect_uri")).toBe(`${WORKER_ORIGIN}/auth/signed-out`);
    // RP-Initiated Logout 1.0 §2: client_id instead of id_token_hint (OIDC_LOGOUT_HINT's default).
    expect(toProvider.searchParams.get("client_id")).toBe(CONFIDENTIAL_CLIENT.id);
    expect(toProvider.searchParams.has("id_token_hint")).toBe(false);
    // oidc-provider asks the user to confirm; confirming ends its session and comes back to the site.
    const confirmPage = await logout.response.text();
    const confirmed = await browser.navigate(`${provider.issuer}/session/end/confirm`, {
      method: "POST",
      body: new URLSearchParams({ xsrf: formField(confirmPage, "xsrf"), logout: "yes" }).toString(),
      referrerOrigin: provider.issuer,
    });
    expect(confirmed.url).toBe(`${WORKER_ORIGIN}/auth/signed-out`);
    expect(await confirmed.response.text()).toContain("You are signed out");
    expect(browser.jar(WORKER_ORIGIN).has(SESSION_COOKIE)).toBe(false);

    const replay = await browser.request(`${WORKER_ORIGIN}/reports`, {
      headers: { cookie: `${SESSION_COOKIE}=${copiedCookie}` },
    });
    expect(replay.status).toBe(302);
    // The provider's session ended too: signing in again asks for the password.
    await reachProviderLogin(browser, "/reports");
  });

  it("signs in as a public client with PKCE only, checks auth_time for max_age, and applies route rules", async () => {
    const browser = await browserFor({
      OIDC_CLIENT_ID: PUBLIC_CLIENT.id,
      OIDC_AUTH_PARAMS: { max_age: 300 },
    });
    const signedIn = await signIn(browser, "/staff/handbook", "bob", "bob-password");
    expect(signedIn.response.status).toBe(200);
    const authorize = new URL(
      signedIn.hops.find((hop) => hop.url.startsWith(`${WORKER_ORIGIN}/auth/login`))!.location!,
    );
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: PUBLIC_CLIENT.id,
      code_challenge_method: "S256",
      max_age: "300",
      scope: "openid email profile",
    });
    expect((await originSaw(signedIn.response)).headers["x-auth-groups"]).toBe("staff");

    const admin = await browser.request(`${WORKER_ORIGIN}/admin/panel`);
    expect(admin.status).toBe(403);
    expect(await admin.text()).toContain("<strong>bob@example.test</strong>");
  });

  it("refuses a replayed callback and a wrong password never reaches the worker", async () => {
    const browser = await browserFor({
      OIDC_CLIENT_ID: CONFIDENTIAL_CLIENT.id,
      OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
    });
    const { formUrl } = await reachProviderLogin(browser, "/x");
    const wrong = await browser.request(formUrl, {
      method: "POST",
      body: "username=alice&password=nope",
      referrerOrigin: provider.issuer,
    });
    expect(wrong.status).toBe(401);
    const signedIn = await signIn(browser, "/x", "alice", "alice-password");
    const callbackUrl = signedIn.hops.find((hop) =>
      hop.url.startsWith(`${WORKER_ORIGIN}/auth/callback`),
    )!.url;
    const replay = await browser.request(callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.headers.get("location")).toBeNull();
  });
});
