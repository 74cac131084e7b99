import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REDIRECT_URI, DEV_CLIENT_ID, DEV_CLIENT_SECRET } from "../dev/idp/dev-client.ts";
import { mintIdToken } from "../dev/idp/login-flow.ts";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";
import { revocationKey } from "../src/revocation/revocation-document.ts";
import { bundleWorker, startWorker } from "./login/support/worker.ts";
import { openWebSocket, type Peer, startEchoOrigin } from "./websocket/rfc6455.ts";

const POLICY_VIOLATION = 1008;

interface KVWriter {
  put(key: string, value: string): Promise<void>;
}
/** The shortest revocation cache the configuration allows: the isolate lists revocations every second. */
const REVOCATION_CACHE_SECONDS = 1;
const PING_EVERY_MS = 50;

let provider: DevProvider;
let origin: Awaited<ReturnType<typeof startEchoOrigin>>;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
let worker: Miniflare;
let gateUrl: string;
let idToken: string;
/** Every client connection opened, dropped before the worker is disposed. */
const clients: Peer[] = [];

beforeAll(async () => {
  [provider, origin, bundle] = await Promise.all([startDevProvider(), startEchoOrigin(), bundleWorker()]);
  worker = startWorker(bundle.scriptPath, {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: DEV_CLIENT_ID,
    ORIGIN_URL: origin.url,
    AUTH_ROUTES: [{ pattern: "/public/*", access: "public" }, { pattern: "*" }],
    REVOCATION_CACHE_SECONDS,
  });
  gateUrl = (await worker.unsafeGetDirectURL()).href;
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
  for (const client of clients) client.destroy();
  await origin?.close();
  await worker?.dispose();
  await Promise.all([provider?.close(), bundle?.cleanup()]);
});

async function open(path: string, headers: Record<string, string> = {}): Promise<Peer> {
  const opened = await openWebSocket(new URL(path, gateUrl).href, headers);
  if (!("peer" in opened)) throw new Error(`upgrade refused with ${opened.refused}`);
  clients.push(opened.peer);
  return opened.peer;
}

describe("a WebSocket through the gate to a real WebSocket origin (RFC 6455)", () => {
  it("is refused at the upgrade without a credential or with a forged one, and the origin is never asked", async () => {
    const before = origin.upgrades.length;
    expect(await openWebSocket(new URL("/live", gateUrl).href)).toEqual({ refused: 401 });
    const forged = await openWebSocket(new URL("/live", gateUrl).href, {
      authorization: "Bearer e30.e30.e30",
    });
    expect(forged).toEqual({ refused: 401 });
    expect(origin.upgrades).toHaveLength(before);
  });

  it("relays messages both ways for a provider's ID token, the origin seeing the identity at the upgrade", async () => {
    const client = await open("/live", { authorization: `Bearer ${idToken}` });
    expect(origin.upgrades.at(-1)?.["x-auth-sub"]).toBe("usr_alice");
    expect(origin.upgrades.at(-1)?.authorization).toBeUndefined();
    client.send("hello");
    expect(await client.next()).toBe("origin heard hello");
    client.send("again");
    expect(await client.next()).toBe("origin heard again");
  });

  it("passes a public route's WebSocket through with no identity", async () => {
    const client = await open("/public/live");
    expect(origin.upgrades.at(-1)?.["x-auth-sub"]).toBeUndefined();
    client.send("anyone");
    expect(await client.next()).toBe("origin heard anyone");
  });

  it("closes both sides with 1008 'revoked' once the subject is revoked, within the revocation cache time", async () => {
    const client = await open("/live", { authorization: `Bearer ${idToken}` });
    const originSide = origin.peers.at(-1)!;
    client.send("before");
    expect(await client.next()).toBe("origin heard before");

    const nowSeconds = Math.floor(Date.now() / 1000);
    const entry = { type: "sub", value: "usr_alice", createdAt: nowSeconds, expiresAt: nowSeconds + 3600 };
    const document = { version: 1, issuer: provider.issuer, updatedAt: nowSeconds, entries: [entry] };
    // Miniflare's KV type names workerd's Request, which this Node project does not load.
    const kv = (await worker.getKVNamespace("AUTH_KV")) as unknown as KVWriter;
    const revokedAt = performance.now();
    await kv.put(revocationKey(provider.issuer), JSON.stringify(document));
    // A message every 50 ms: each is checked before it is passed on, the first after the isolate lists
    // the revocation is not.
    for (let answer = ""; answer !== "closed"; ) {
      client.send("ping");
      answer = await client.next();
      expect(performance.now() - revokedAt).toBeLessThan(10_000);
      if (answer !== "closed") await new Promise((resolve) => setTimeout(resolve, PING_EVERY_MS));
    }
    const closeMs = performance.now() - revokedAt;
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "revoked" });
    expect(await originSide.closed).toEqual({ code: POLICY_VIOLATION, reason: "revoked" });
    expect(closeMs).toBeLessThan((REVOCATION_CACHE_SECONDS + 2) * 1000);
    expect(originSide.received.at(-1)).toBe("ping");
  });
});
