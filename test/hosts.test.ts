import { describe, expect, it } from "vitest";
import { digestBase64Url } from "../src/crypto/secret-keys.ts";
import { Browser, NAVIGATION } from "./support/browser.ts";
import { signToken, validClaims } from "./support/fake-issuer.ts";
import { createHarness, type Harness } from "./support/harness.ts";

const SESSION = "__Host-edge-auth";
const DOCS = "https://docs.example.com";
const APP = "https://app.example.com";
const WWW = "https://www.example.com";

/** Several sites behind one worker: the same path public on docs, protected on app. */
const SITES = {
  AUTH_ROUTES: [
    { pattern: "/docs/*", host: "docs.example.com", access: "public" },
    { pattern: "/docs/*", host: "app.example.com" },
    { pattern: "/team/*", host: "*.example.com", allow: { groups: ["admins"] } },
    { pattern: "/public/*", access: "public" },
    { pattern: "*" },
  ],
};

const sites = () => createHarness({ vars: SITES });

async function staffToken(h: Harness): Promise<string> {
  return signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
}

async function signedInOn(h: Harness, origin: string, path = "/private"): Promise<Browser> {
  const browser = new Browser(h, origin);
  expect((await browser.signIn(path)).status).toBe(303);
  return browser;
}

describe("several sites in one worker", () => {
  it("serves a path publicly on one host and protects the same path on another", async () => {
    const h = await sites();
    const onDocs = await h.fetch(`${DOCS}/docs/intro`);
    expect(onDocs.status).toBe(200);
    expect(h.logs.at(-1)).toMatchObject({ outcome: "public", route: "0:/docs/*" });
    expect(h.originCalls).toHaveLength(1);

    const onApp = await h.fetch(`${APP}/docs/intro`);
    expect(onApp.status).toBe(401);
    expect(h.logs.at(-1)).toMatchObject({ outcome: "refused", route: "1:/docs/*", reason: "no_credential" });
    expect(h.originCalls).toHaveLength(1);

    // A host no rule names gets the rules for every host: the catch-all needs an identity.
    expect((await h.fetch("https://other.test/docs/intro")).status).toBe(401);
    expect(h.logs.at(-1)).toMatchObject({ route: "4:*" });
    expect((await h.fetch(`${APP}/docs/intro`, h.bearer(await staffToken(h)))).status).toBe(200);
  });

  it("applies `*.example.com` one label deep: not to example.com itself, nor to a.b.example.com", async () => {
    const h = await sites();
    const staff = h.bearer(await staffToken(h)); // signed in, not an admin
    expect((await h.fetch(`${WWW}/team/roster`, staff)).status).toBe(403);
    expect(h.logs.at(-1)).toMatchObject({ route: "2:/team/*", reason: "forbidden_by_policy" });
    expect((await h.fetch(`${DOCS}/team/roster`, staff)).status).toBe(403);
    for (const origin of ["https://example.com", "https://a.b.example.com", "https://badexample.com"]) {
      expect((await h.fetch(`${origin}/team/roster`, staff)).status, origin).toBe(200);
      expect(h.logs.at(-1), origin).toMatchObject({ outcome: "forwarded", route: "4:*" });
    }
  });

  it("cannot be switched to other rules by the host's letter case, a trailing dot or a port", async () => {
    const h = await sites();
    for (const url of [
      "https://APP.Example.COM/docs/intro",
      "https://app.example.com./docs/intro",
      "https://App.Example.Com./docs/intro",
      "https://app.example.com:8443/docs/intro",
    ]) {
      expect((await h.fetch(url)).status, url).toBe(401);
      expect(h.logs.at(-1), url).toMatchObject({ route: "1:/docs/*" });
    }
    expect((await h.fetch("https://DOCS.example.com./docs/intro")).status).toBe(200);
    expect(h.logs.at(-1)).toMatchObject({ outcome: "public", route: "0:/docs/*" });
    expect(h.originCalls).toHaveLength(1);
  });

  it("refuses a host with an empty label (400 ambiguous_host) before looking at any credential", async () => {
    const h = await sites();
    for (const url of ["https://app.example.com../docs/intro", "https://app..example.com/docs/intro"]) {
      const res = await h.fetch(url, h.bearer(await staffToken(h)));
      expect(res.status, url).toBe(400);
      expect(h.logs.at(-1), url).toMatchObject({ outcome: "refused", reason: "ambiguous_host" });
    }
    expect(h.originCalls).toHaveLength(0);
  });

  it("sends each host's sign-in back to its own redirect URI, and signs in on each", async () => {
    const h = await sites();
    for (const origin of [DOCS, APP]) {
      const browser = new Browser(h, origin);
      const authorize = new URL(await browser.startLogin("/private"));
      expect(authorize.searchParams.get("redirect_uri")).toBe(`${origin}/auth/callback`);
      const callback = await browser.visit(h.provider.approve(authorize.href));
      expect(callback.status).toBe(303);
      expect(callback.headers.get("location")).toBe(`${origin}/private`);
      expect((await browser.visit("/private")).status).toBe(200);
    }
  });

  it("refuses a session cookie made on one host when it is presented on another, and keeps it on its own", async () => {
    const h = await sites();
    const onApp = await signedInOn(h, APP);
    expect((await onApp.visit("/docs/intro")).status).toBe(200);
    const copied = onApp.cookies.get(SESSION)!.value;

    for (const elsewhere of [WWW, DOCS, "https://app.example.com:8443", "https://app.example.com."]) {
      const res = await h.fetch(`${elsewhere}/private`, {
        headers: { ...NAVIGATION, cookie: `${SESSION}=${copied}` },
      });
      expect(res.status, elsewhere).toBe(302);
      expect(res.headers.get("location"), elsewhere).toBe("/auth/login?return_to=%2Fprivate");
      expect(h.logs.at(-1), elsewhere).toMatchObject({
        outcome: "refused",
        reason: "session_unknown",
        detail: "made on another site",
      });
      // …in another isolate too, which reads the record from KV.
      const cold = await h.otherIsolate()(`${elsewhere}/private`, {
        headers: { ...NAVIGATION, cookie: `${SESSION}=${copied}` },
      });
      expect(cold.status, elsewhere).toBe(302);
    }
    expect(h.originCalls.filter((call) => call.url.endsWith("/private"))).toHaveLength(0);
    // The session still serves the host it was made on.
    expect((await onApp.visit("/private")).status).toBe(200);
  });

  it("does not end another host's session when its cookie is posted to sign out here", async () => {
    const h = await sites();
    const onApp = await signedInOn(h, APP);
    const thief = new Browser(h, WWW);
    thief.cookies.set(SESSION, onApp.cookies.get(SESSION)!);
    const res = await thief.post("/auth/logout");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${WWW}/auth/signed-out`);
    expect(thief.cookies.has(SESSION)).toBe(false);
    expect((await onApp.visit("/private")).status).toBe(200);
  });

  it("refuses a stored session that does not say which site it was made on", async () => {
    const h = await sites();
    const onApp = await signedInOn(h, APP);
    const id = onApp.cookies.get(SESSION)!.value.split(".")[0]!;
    const key = `session:${await digestBase64Url(id)}`;
    const record = (await h.kv.inner.get(key, "json")) as Record<string, unknown>;
    expect(record.origin).toBe(APP);
    delete record.origin;
    await h.kv.inner.put(key, JSON.stringify(record));
    const cold = await h.otherIsolate()(`${APP}/private`, {
      headers: { ...NAVIGATION, cookie: onApp.cookieHeader() },
    });
    expect(cold.status).toBe(302);
    expect(h.logs.at(-1)).toMatchObject({ outcome: "refused", reason: "session_unknown" });
  });
});
