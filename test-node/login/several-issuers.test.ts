import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "./support/browser.ts";
import { type JwksIssuer, startJwksIssuer } from "./support/jwks-issuer.ts";
import { type EchoOrigin, startEchoOrigin } from "./support/origin.ts";
import { CONFIDENTIAL_CLIENT, startTestProvider, type TestProvider } from "./support/provider.ts";
import { bundleWorker, startWorker } from "./support/worker.ts";

const WORKER_ORIGIN = "http://localhost:8787";
const API_AUDIENCE = "https://api.example.test";

let provider: TestProvider;
let api: JwksIssuer;
let origin: EchoOrigin;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
let worker: Miniflare;
let browser: TestBrowser;

beforeAll(async () => {
  [provider, api, origin, bundle] = await Promise.all([
    startTestProvider({ workerOrigins: [WORKER_ORIGIN], idTokenTtlSeconds: 300 }),
    startJwksIssuer(),
    startEchoOrigin(),
    bundleWorker(),
  ]);
  worker = startWorker(bundle.scriptPath, {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: CONFIDENTIAL_CLIENT.id,
    OIDC_CLIENT_SECRET: CONFIDENTIAL_CLIENT.secret,
    ORIGIN_URL: origin.url,
    SESSION_SECRET: "node-test-session-secret-8d3f1a6c0b9e4f27",
    // As `--var` and .dev.vars give it: JSON text.
    AUTH_ISSUERS: JSON.stringify([
      { name: "api", issuer: api.issuer, audiences: [API_AUDIENCE], token_types: ["access_token"] },
    ]),
    AUTH_ROUTES: [
      { pattern: "/api/*", issuers: ["api"], require_scopes: ["orders:read"] },
      { pattern: "/both/*", issuers: ["login", "api"] },
      { pattern: "*" },
    ],
  });
  browser = new TestBrowser(await worker.unsafeGetDirectURL(), WORKER_ORIGIN);
});

afterAll(async () => {
  await worker?.dispose();
  await Promise.all([provider?.close(), api?.close(), origin?.close(), bundle?.cleanup()]);
});

/** The whole sign-in at the login issuer (oidc-provider) as a user would do it. */
async function signIn(path: string): Promise<Response> {
  const toForm = await browser.navigate(`${WORKER_ORIGIN}${path}`);
  expect(toForm.url).toMatch(new RegExp(`^${provider.issuer}/interaction/`));
  const back = await browser.navigate(toForm.url, {
    method: "POST",
    body: new URLSearchParams({ username: "alice", password: "alice-password" }).toString(),
    referrerOrigin: provider.issuer,
  });
  return back.response;
}

function accessToken(claims: Record<string, unknown> = {}, typ?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return api.sign(
    {
      iss: api.issuer,
      sub: "service-7",
      aud: API_AUDIENCE,
      client_id: "billing",
      scope: "orders:read",
      iat: now,
      exp: now + 300,
      ...claims,
    },
    typ,
  );
}

function withBearer(path: string, token: string): Promise<Response> {
  return browser.request(`${WORKER_ORIGIN}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
}

describe("two live issuers on loopback through the worker under Miniflare", () => {
  it("signs a browser in at the login issuer and accepts the API issuer's access tokens on its routes only", async () => {
    const signedIn = await signIn("/reports");
    expect(signedIn.status).toBe(200);
    expect(((await signedIn.json()) as { headers: Record<string, string> }).headers).toMatchObject({
      "x-auth-sub": "alice",
      "x-auth-issuer": provider.issuer,
    });
    // The session is the login issuer's: good on /both, not a credential on /api (401, no redirect).
    expect((await browser.request(`${WORKER_ORIGIN}/both/page`)).status).toBe(200);
    const apiBySession = await browser.request(`${WORKER_ORIGIN}/api/orders`);
    expect(apiBySession.status).toBe(401);
    expect(apiBySession.headers.get("location")).toBeNull();

    const token = await accessToken();
    const forwarded = await withBearer("/api/orders", token);
    expect(forwarded.status).toBe(200);
    expect(((await forwarded.json()) as { headers: Record<string, string> }).headers).toMatchObject({
      "x-auth-sub": "service-7",
      "x-auth-issuer": api.issuer,
    });
    expect((await withBearer("/both/page", token)).status).toBe(200);
    // The default route accepts the login issuer only.
    expect((await withBearer("/reports", token)).status).toBe(401);
    // One discovery and one JWKS fetch from the API issuer, whatever the number of requests.
    expect(api.requests).toEqual(["/.well-known/openid-configuration", "/jwks"]);
  });

  it("refuses type confusion and a missing scope, and never fetches for an issuer it does not know", async () => {
    const before = api.requests.length;
    const idTyped = await accessToken({}, "JWT");
    expect((await withBearer("/api/orders", idTyped)).status).toBe(401);
    const noScope = await withBearer("/api/orders", await accessToken({ scope: "orders:write" }));
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get("www-authenticate")).toBe(
      'Bearer realm="edge-auth", error="insufficient_scope", scope="orders:read"',
    );
    const stranger = await accessToken({ iss: "http://127.0.0.1:1" });
    expect((await withBearer("/api/orders", stranger)).status).toBe(401);
    expect(api.requests.length).toBe(before);
  });
});
