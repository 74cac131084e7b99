import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../dev/idp/cookie-jar.ts";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";

let provider: DevProvider;
beforeAll(async () => {
  provider = await startDevProvider();
});
afterAll(() => provider.close());

/** Starts an authorization request and returns the sign-in page it leads to, with its cookies. */
async function openSignInPage() {
  const jar = new CookieJar();
  const authorize = new URL(`${provider.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: provider.clientId,
    redirect_uri: "http://127.0.0.1:8787/auth/callback",
    response_type: "code",
    scope: "openid email profile",
    code_challenge: await calculatePKCECodeChallenge(generateRandomCodeVerifier()),
    code_challenge_method: "S256",
  }).toString();
  const redirect = await fetch(authorize, { redirect: "manual" });
  jar.store(redirect);
  const url = new URL(redirect.headers.get("location") ?? "", provider.issuer);
  const page = await fetch(url, { headers: { cookie: jar.header() } });
  return { jar, url, page, html: await page.text() };
}

describe("the sign-in page", () => {
  it("is a self-contained form that lists the demo users as a hint", async () => {
    const { url, page, html } = await openSignInPage();
    expect(url.pathname).toMatch(/^\/interaction\/[\w-]+$/);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(html).toContain(`action="${url.pathname}/login"`);
    for (const user of provider.users) {
      expect(html).toContain(user.username);
      expect(html).toContain(user.password);
    }
    expect(html).not.toMatch(/<(script|link|img)\b/);
  });

  it("comes back with an error and the username kept after a wrong password", async () => {
    const { jar, url } = await openSignInPage();
    const response = await fetch(`${url.href}/login`, {
      method: "POST",
      headers: { cookie: jar.header() },
      body: new URLSearchParams({ username: "bob", password: "alice-password" }),
      redirect: "manual",
    });
    const html = await response.text();
    expect(response.status).toBe(400);
    expect(html).toContain("Wrong username or password.");
    expect(html).toContain('value="bob"');
    expect(html).toContain("<form");
  });

  it("escapes what the user typed when it shows the form again", async () => {
    const { jar, url } = await openSignInPage();
    const response = await fetch(`${url.href}/login`, {
      method: "POST",
      headers: { cookie: jar.header() },
      body: new URLSearchParams({ username: '"><script>alert(1)</script>', password: "x" }),
    });
    const html = await response.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#34;&#62;&#60;script&#62;");
  });

  it("sends the browser back to the authorization endpoint after the right password", async () => {
    const { jar, url } = await openSignInPage();
    const response = await fetch(`${url.href}/login`, {
      method: "POST",
      headers: { cookie: jar.header() },
      body: new URLSearchParams({ username: "alice", password: "alice-password" }),
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(new RegExp(`^${provider.issuer}/auth/[\\w-]+$`));
  });

  it("explains that the attempt is over when the interaction cookie is missing", async () => {
    const { url } = await openSignInPage();
    const response = await fetch(url);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("Sign-in expired");
  });
});
