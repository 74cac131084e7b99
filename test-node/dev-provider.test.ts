import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";

const CALLBACK = "http://127.0.0.1:8787/auth/callback";

const PROVIDER_MODULE = new URL("../dev/idp/provider.ts", import.meta.url).href;

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

describe("starting and stopping", () => {
  it("listens on a free port and names itself after it", async () => {
    const provider = await startDevProvider({ port: 0 });
    try {
      expect(provider.port).toBeGreaterThan(0);
      expect(provider.issuer).toBe(`http://127.0.0.1:${provider.port}`);
      const response = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
      expect(response.status).toBe(200);
    } finally {
      await provider.close();
    }
  });

  it("releases its port after close, and a second close is harmless", async () => {
    const provider = await startDevProvider();
    await fetch(`${provider.issuer}/jwks`);
    await provider.close();
    await provider.close();
    expect(await canListenOn(provider.port)).toBe(true);
    await expect(fetch(`${provider.issuer}/jwks`)).rejects.toThrow();
  });

  it("leaves no open handle: a process that used it exits by itself after close", async () => {
    const script = `
      const { startDevProvider } = await import(${JSON.stringify(PROVIDER_MODULE)});
      const provider = await startDevProvider();
      await (await fetch(provider.issuer + "/.well-known/openid-configuration")).json();
      await provider.close();
      console.log("closed");`;
    const outcome = await new Promise<{ code: number | null; killed: boolean; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--input-type=module", "--eval", script],
        { timeout: 15_000 },
        (error, stdout) => resolve({ code: child.exitCode, killed: error?.killed ?? false, stdout }),
      );
    });
    expect(outcome).toEqual({ code: 0, killed: false, stdout: "closed\n" });
  }, 20_000);

  it("refuses a port that is already taken with a message that names it", async () => {
    const first = await startDevProvider();
    try {
      await expect(startDevProvider({ port: first.port })).rejects.toThrow(
        `cannot listen on 127.0.0.1:${first.port}`,
      );
    } finally {
      await first.close();
    }
  });
});

describe("published metadata", () => {
  let provider: DevProvider;
  let discovery: Record<string, unknown>;
  beforeAll(async () => {
    provider = await startDevProvider();
    const response = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
    discovery = (await response.json()) as Record<string, unknown>;
  });
  afterAll(() => provider.close());

  it("advertises every endpoint the worker needs under its own issuer", () => {
    const issuer = provider.issuer;
    expect(discovery).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/me`,
      jwks_uri: `${issuer}/jwks`,
      end_session_endpoint: `${issuer}/session/end`,
    });
  });

  it("offers only the code flow with PKCE S256, refresh tokens and RS256-signed ID tokens", () => {
    expect(discovery.response_types_supported).toEqual(["code"]);
    expect(discovery.code_challenge_methods_supported).toEqual(["S256"]);
    expect(discovery.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "refresh_token"]),
    );
    expect(discovery.id_token_signing_alg_values_supported).toContain("RS256");
    expect(discovery.token_endpoint_auth_methods_supported).toEqual([
      "client_secret_basic",
      "client_secret_post",
    ]);
  });

  it("lists the groups scope and claim next to the standard ones", () => {
    expect(discovery.scopes_supported).toEqual(
      expect.arrayContaining(["openid", "email", "profile", "groups"]),
    );
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(["sub", "email", "name", "groups"]));
  });

  it("publishes only the public half of its RSA signing key", async () => {
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String) });
    for (const part of ["d", "p", "q", "dp", "dq", "qi"]) expect(jwks.keys[0]).not.toHaveProperty(part);
  });

  it("makes a fresh signing key at every start", async () => {
    const other = await startDevProvider();
    try {
      const kid = async (issuer: string) => {
        const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
        return jwks.keys[0]?.kid;
      };
      expect(await kid(other.issuer)).not.toBe(await kid(provider.issuer));
    } finally {
      await other.close();
    }
  });

  it("rejects an authorization request without a PKCE code challenge", async () => {
    const authorize = new URL(`${provider.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: provider.clientId,
      redirect_uri: CALLBACK,
      response_type: "code",
      scope: "openid",
    }).toString();
    const response = await fetch(authorize, { redirect: "manual" });
    const location = new URL(response.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("registers the callback of every worker origin it was given", async () => {
    const custom = await startDevProvider({ workerOrigins: ["http://127.0.0.1:9999"] });
    try {
      const status = async (redirectUri: string) => {
        const url = new URL(`${custom.issuer}/auth`);
        url.search = new URLSearchParams({
          client_id: custom.clientId,
          redirect_uri: redirectUri,
          response_type: "code",
          scope: "openid",
          code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          code_challenge_method: "S256",
        }).toString();
        return (await fetch(url, { redirect: "manual" })).status;
      };
      expect(await status("http://127.0.0.1:9999/auth/callback")).toBe(303);
      expect(await status(CALLBACK)).toBe(400);
    } finally {
      await custom.close();
    }
  });
});
