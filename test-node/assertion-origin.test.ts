import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from "jose";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REDIRECT_URI, DEV_CLIENT_ID, DEV_CLIENT_SECRET } from "../dev/idp/dev-client.ts";
import { mintIdToken } from "../dev/idp/login-flow.ts";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";
import { bundleWorker, startWorker } from "./login/support/worker.ts";

/** What the origin decided about a request, and what it fetched to decide. */
interface Verdict {
  readonly verdict: "verified" | "refused" | "none";
  readonly claims?: Record<string, unknown>;
  readonly code?: string;
  /** The assertion as received (so a test can try to replay it). */
  readonly received?: string;
}

/**
 * An origin as its operator would write it from docs/assertion.md: it trusts nothing but an
 * X-Auth-Assertion that verifies with the keys published at the gate's /auth/jwks.json (fetched
 * through the gate, cached by jose), for its own audience, from the site's issuer, of the right type.
 */
async function startVerifyingOrigin(gate: { url: string }) {
  let jwks: JWTVerifyGetKey | undefined;
  const server = createServer(async (req: IncomingMessage, res) => {
    const assertion = req.headers["x-auth-assertion"];
    let verdict: Verdict = { verdict: "none" };
    if (typeof assertion === "string") {
      jwks ??= createRemoteJWKSet(new URL("/auth/jwks.json", gate.url));
      try {
        const { payload } = await jwtVerify(assertion, jwks, {
          issuer: new URL(gate.url).origin,
          audience: origin.url,
          typ: "edge-auth-assertion+jwt",
          algorithms: ["ES256", "EdDSA"],
        });
        verdict = { verdict: "verified", claims: payload, received: assertion };
      } catch (error) {
        verdict = { verdict: "refused", code: (error as { code?: string }).code ?? "unknown" };
      }
    }
    res.writeHead(verdict.verdict === "verified" ? 200 : 403, { "content-type": "application/json" });
    res.end(JSON.stringify(verdict));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return origin;
}

const gate = { url: "" };
let provider: DevProvider;
let origin: Awaited<ReturnType<typeof startVerifyingOrigin>>;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
let worker: Miniflare;
let idToken: string;

beforeAll(async () => {
  [provider, origin, bundle] = await Promise.all([
    startDevProvider(),
    startVerifyingOrigin(gate),
    bundleWorker(),
  ]);
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  worker = startWorker(bundle.scriptPath, {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: DEV_CLIENT_ID,
    ORIGIN_URL: origin.url,
    AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }, { pattern: "*" }],
    ASSERTION_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)),
  });
  gate.url = (await worker.unsafeGetDirectURL()).href;
  ({ idToken } = await mintIdToken({
    issuer: provider.issuer,
    username: "alice",
    password: "alice-password",
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
    redirectUri: DEFAULT_REDIRECT_URI,
  }));
});

afterAll(async () => {
  await worker?.dispose();
  await Promise.all([provider?.close(), origin?.close(), bundle?.cleanup()]);
});

async function verdictOf(response: Response): Promise<Verdict> {
  return (await response.json()) as Verdict;
}

describe("an origin that trusts only the signed assertion, verified with the gate's published keys", () => {
  it("verifies what the gate forwards for a real provider's ID token, and reads the identity from it", async () => {
    const response = await fetch(new URL("/reports", gate.url), {
      headers: { authorization: `Bearer ${idToken}` },
    });
    const verdict = await verdictOf(response);
    expect(verdict).toMatchObject({
      verdict: "verified",
      claims: {
        iss: new URL(gate.url).origin,
        aud: origin.url,
        sub: "usr_alice",
        email: "alice@example.com",
        groups: ["admins", "staff"],
        idp_iss: provider.issuer,
        route: "*",
      },
    });
    expect(response.status).toBe(200);
  });

  it("refuses identity headers sent straight to it, with no assertion or a forged one", async () => {
    const bare = await fetch(origin.url, { headers: { "x-auth-sub": "usr_alice" } });
    expect(await verdictOf(bare)).toEqual({ verdict: "none" });
    const { privateKey } = await generateKeyPair("ES256");
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: "usr_alice", groups: ["admins"] })
      .setProtectedHeader({ alg: "ES256", typ: "edge-auth-assertion+jwt" })
      .setIssuer(new URL(gate.url).origin)
      .setAudience(origin.url)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    const response = await fetch(origin.url, { headers: { "x-auth-assertion": forged } });
    expect(response.status).toBe(403);
    expect(await verdictOf(response)).toEqual({
      verdict: "refused",
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
  });

  it("gets no assertion through the gate on a public route, even when the client sends one", async () => {
    const stolen = await fetch(new URL("/reports", gate.url), {
      headers: { authorization: `Bearer ${idToken}` },
    });
    expect((await verdictOf(stolen)).verdict).toBe("verified");
    const response = await fetch(new URL("/public/page", gate.url), {
      headers: { "x-auth-assertion": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln" },
    });
    expect(await verdictOf(response)).toEqual({ verdict: "none" });
  });
});
