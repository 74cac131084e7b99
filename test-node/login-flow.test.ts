import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MintIdTokenOptions, mintIdToken } from "../dev/idp/login-flow.ts";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";

const CALLBACK = "http://127.0.0.1:8787/auth/callback";
const SIGNED_OUT = "http://127.0.0.1:8787/auth/signed-out";

let provider: DevProvider;
let signIn: (
  username: string,
  password: string,
  more?: Partial<MintIdTokenOptions>,
) => ReturnType<typeof mintIdToken>;

beforeAll(async () => {
  provider = await startDevProvider();
  signIn = (username, password, more = {}) =>
    mintIdToken({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      redirectUri: CALLBACK,
      username,
      password,
      ...more,
    });
});
afterAll(() => provider.close());

async function verify(idToken: string) {
  const jwks = createRemoteJWKSet(new URL(`${provider.issuer}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
    issuer: provider.issuer,
    audience: provider.clientId,
    algorithms: ["RS256"],
  });
  return { payload, protectedHeader };
}

async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(provider.issuer);
  const response = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true });
  return oauth.processDiscoveryResponse(issuer, response);
}

describe("signing in through the code flow", () => {
  it("gives alice an ID token that verifies against the JWKS and says who she is", async () => {
    const { idToken } = await signIn("alice", "alice-password");
    const { payload, protectedHeader } = await verify(idToken);
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload).toMatchObject({
      iss: provider.issuer,
      aud: provider.clientId,
      sub: "usr_alice",
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Admin",
      groups: ["admins", "staff"],
    });
    expect(payload).not.toHaveProperty("nonce");
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
  });

  it("gives bob only the staff group and an unverified email", async () => {
    const { payload } = await verify((await signIn("bob", "bob-password")).idToken);
    expect(payload).toMatchObject({
      sub: "usr_bob",
      name: "Bob Builder",
      email_verified: false,
      groups: ["staff"],
    });
  });

  it("releases groups through the groups scope without the rest of the profile", async () => {
    const { idToken } = await signIn("alice", "alice-password", { scope: "openid groups" });
    const claims = decodeJwt(idToken);
    expect(claims.groups).toEqual(["admins", "staff"]);
    expect(claims).not.toHaveProperty("name");
    expect(claims).not.toHaveProperty("email");
  });

  it("issues ID tokens with the lifetime it was started with", async () => {
    const shortLived = await startDevProvider({ idTokenTtlSeconds: 120 });
    try {
      const { idToken } = await mintIdToken({
        issuer: shortLived.issuer,
        clientId: shortLived.clientId,
        clientSecret: shortLived.clientSecret,
        redirectUri: CALLBACK,
        username: "alice",
        password: "alice-password",
      });
      const { exp = 0, iat = 0 } = decodeJwt(idToken);
      expect(exp - iat).toBe(120);
    } finally {
      await shortLived.close();
    }
  });
});

describe("refresh tokens", () => {
  it("come with a plain openid email profile sign-in and rotate on use; the old one is then refused", async () => {
    const first = await signIn("alice", "alice-password");
    expect(first.refreshToken).toEqual(expect.any(String));
    const as = await authorizationServer();
    const client = { client_id: provider.clientId };
    const auth = oauth.ClientSecretPost(provider.clientSecret);
    const options = { [oauth.allowInsecureRequests]: true };

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, first.refreshToken ?? "", options),
    );
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(first.refreshToken);
    expect((await verify(refreshed.id_token ?? "")).payload.sub).toBe("usr_alice");

    const replay = oauth.refreshTokenGrantRequest(as, client, auth, first.refreshToken ?? "", options);
    await expect(oauth.processRefreshTokenResponse(as, client, await replay)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });
});

describe("failed sign-ins", () => {
  it("report a wrong password clearly", async () => {
    await expect(signIn("alice", "bob-password")).rejects.toThrow(
      'sign-in as "alice" failed: wrong username or password',
    );
  });

  it("report an unknown user the same way as a wrong password", async () => {
    await expect(signIn("mallory", "mallory-password")).rejects.toThrow(
      'sign-in as "mallory" failed: wrong username or password',
    );
  });

  it("point at the redirect URI when it is not registered for the client", async () => {
    await expect(
      signIn("alice", "alice-password", { redirectUri: "http://127.0.0.1:1234/cb" }),
    ).rejects.toThrow(/did not show a sign-in form .*http:\/\/127\.0\.0\.1:1234\/cb registered/);
  });

  it("say that the provider cannot be reached when it is not running", async () => {
    const gone = await startDevProvider();
    await gone.close();
    await expect(
      mintIdToken({
        issuer: gone.issuer,
        clientId: gone.clientId,
        clientSecret: gone.clientSecret,
        redirectUri: CALLBACK,
        username: "alice",
        password: "alice-password",
      }),
    ).rejects.toThrow(`cannot reach the OpenID Provider at ${gone.issuer}`);
  });
});

describe("signing out", () => {
  it("returns to the registered signed-out page of the worker with its state", async () => {
    const { idToken } = await signIn("alice", "alice-password");
    const url = new URL(`${provider.issuer}/session/end`);
    url.search = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: SIGNED_OUT,
      state: "s1",
    }).toString();
    const page = await fetch(url, { redirect: "manual" });
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? "";
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const confirm = await fetch(new URL(action, provider.issuer), {
      method: "POST",
      redirect: "manual",
      headers: { cookie },
      body: new URLSearchParams({ xsrf, logout: "yes" }),
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get("location")).toBe(`${SIGNED_OUT}?state=s1`);
  });

  it("refuses a post-logout redirect URI that is not registered", async () => {
    const { idToken } = await signIn("alice", "alice-password");
    const url = new URL(`${provider.issuer}/session/end`);
    url.search = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: "http://evil.example/signed-out",
    }).toString();
    const response = await fetch(url, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("post_logout_redirect_uri not registered");
  });
});
