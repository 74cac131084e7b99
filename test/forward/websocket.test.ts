import { env as workerEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { POLICY_VIOLATION, relayWebSocket } from "../../src/forward/websocket.ts";
import { revocationKey } from "../../src/revocation/revocation-document.ts";
import { Browser } from "../support/browser.ts";
import { ISSUER, signToken, validClaims } from "../support/fake-issuer.ts";
import { createHarness, type Harness } from "../support/harness.ts";

const UPGRADE = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13" };

/** A WebSocket origin behind the harness: it echoes every message with a prefix and records its close. */
function websocketOrigin(h: Harness) {
  const received: string[] = [];
  let originSocket: WebSocket | undefined;
  let resolveClose: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClose = resolve));
  h.origin.respond = () => {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    server.accept();
    server.addEventListener("message", (event) => {
      received.push(String(event.data));
      server.send(`origin heard ${String(event.data)}`);
    });
    server.addEventListener("close", (event) => resolveClose({ code: event.code, reason: event.reason }));
    originSocket = server;
    return new Response(null, { status: 101, webSocket: client });
  };
  return { received, closed, push: (text: string) => originSocket!.send(text) };
}

/** The client end of an upgrade the gate answered, accepted, with its messages and close in order. */
function clientOf(response: Response) {
  const socket = response.webSocket!;
  socket.accept();
  const messages: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  socket.addEventListener("message", (event) => {
    const text = String(event.data);
    const next = waiting.shift();
    if (next) next(text);
    else messages.push(text);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  const nextMessage = () =>
    messages.length > 0
      ? Promise.resolve(messages.shift()!)
      : new Promise<string>((resolve) => waiting.push(resolve));
  return { socket, nextMessage, closed, messages };
}

async function signedIn(h: Harness): Promise<Browser> {
  const browser = new Browser(h);
  expect((await browser.signIn("/private")).status).toBe(303);
  return browser;
}

describe("a WebSocket through the gate (RFC 6455)", () => {
  it("is refused at the upgrade without a credential: 401, and the origin is never asked", async () => {
    const h = await createHarness();
    websocketOrigin(h);
    const response = await h.fetch("/live", { headers: UPGRADE });
    expect(response.status).toBe(401);
    expect(response.webSocket).toBeNull();
    expect(h.originCalls).toHaveLength(0);
  });

  it("relays messages both ways for a signed-in session, the origin seeing the identity at the upgrade", async () => {
    const h = await createHarness();
    const origin = websocketOrigin(h);
    const browser = await signedIn(h);
    const response = await browser.visit("/live", { headers: UPGRADE });
    expect(response.status).toBe(101);
    expect(h.originCalls.at(-1)?.headers.get("x-auth-sub")).toBe("user-123");
    const client = clientOf(response);
    client.socket.send("hello");
    expect(await client.nextMessage()).toBe("origin heard hello");
    origin.push("news from the origin");
    expect(await client.nextMessage()).toBe("news from the origin");
    expect(origin.received).toEqual(["hello"]);
  });

  it("is closed on both sides with 1008 'signed out' once its session signs out, the next message undelivered (RFC 6455 §7.4.1)", async () => {
    const h = await createHarness();
    const origin = websocketOrigin(h);
    const browser = await signedIn(h);
    const client = clientOf(await browser.visit("/live", { headers: UPGRADE }));
    client.socket.send("before");
    expect(await client.nextMessage()).toBe("origin heard before");

    expect((await browser.post("/auth/logout")).status).toBe(303);
    client.socket.send("after");
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "signed out" });
    expect(await origin.closed).toEqual({ code: POLICY_VIOLATION, reason: "signed out" });
    expect(origin.received).toEqual(["before"]);
  });

  it("is closed with 1008 'revoked' once the bearer token's subject is revoked", async () => {
    const h = await createHarness();
    const origin = websocketOrigin(h);
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const response = await h.fetch("/live", h.bearer(token, UPGRADE));
    expect(response.status).toBe(101);
    const client = clientOf(response);

    const now = h.nowSeconds();
    const entry = { type: "sub", value: "user-123", createdAt: now, expiresAt: now + 3600 };
    const document = { version: 1, issuer: ISSUER, updatedAt: now, entries: [entry] };
    await workerEnv.AUTH_KV.put(revocationKey(ISSUER), JSON.stringify(document));
    // The isolate lists revocations again after REVOCATION_CACHE_SECONDS (well inside the token's life).
    h.advanceSeconds(120);
    origin.push("to a revoked subject");
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "revoked" });
    expect(await origin.closed).toEqual({ code: POLICY_VIOLATION, reason: "revoked" });
    expect(client.messages).toEqual([]);
  });

  it("is closed with 1008 'expired' once the bearer token expires", async () => {
    const h = await createHarness();
    const origin = websocketOrigin(h);
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const client = clientOf(await h.fetch("/live", h.bearer(token, UPGRADE)));
    client.socket.send("while valid");
    expect(await client.nextMessage()).toBe("origin heard while valid");

    h.advanceSeconds(3600);
    client.socket.send("after exp");
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "expired" });
    expect(await origin.closed).toEqual({ code: POLICY_VIOLATION, reason: "expired" });
    expect(origin.received).toEqual(["while valid"]);
  });

  it("passes a public route's WebSocket through untouched", async () => {
    const h = await createHarness();
    websocketOrigin(h);
    const response = await h.fetch("/public/live", { headers: UPGRADE });
    expect(response.status).toBe(101);
    expect(h.originCalls.at(-1)?.headers.get("x-auth-sub")).toBeNull();
    const client = clientOf(response);
    client.socket.send("anyone");
    expect(await client.nextMessage()).toBe("origin heard anyone");
  });
});

const ADMIN_TOKEN = "test-only-revocation-admin-token-5b8e2f7c";
const FENCE_INTERVAL_MS = 500;
const STEP_MS = 10;

/**
 * Frozen-clock milliseconds until the socket closes: a message every 10 ms of the platform's clock,
 * each awaited until the origin's echo or the close.
 */
async function msUntilClosed(h: Harness, client: ReturnType<typeof clientOf>): Promise<number> {
  const startMs = h.clock.nowMs;
  for (;;) {
    client.socket.send("ping");
    const answer = await Promise.race([client.nextMessage(), client.closed.then(() => "closed")]);
    if (answer === "closed") return h.clock.nowMs - startMs;
    expect(h.clock.nowMs - startMs).toBeLessThanOrEqual(10 * FENCE_INTERVAL_MS);
    h.clock.nowMs += STEP_MS;
  }
}

describe("a WebSocket held by another isolate than the one that ends its credential", () => {
  it("is closed with 1008 'signed out' within REVOCATION_FENCE_INTERVAL_MS of a sign-out elsewhere", async () => {
    const h = await createHarness({ vars: { REVOCATION_FENCE_INTERVAL_MS: FENCE_INTERVAL_MS } });
    const origin = websocketOrigin(h);
    const browser = await signedIn(h);
    const elsewhere = h.otherIsolate();
    const opened = await elsewhere("/live", { headers: { ...UPGRADE, cookie: browser.cookieHeader() } });
    expect(opened.status).toBe(101);
    const client = clientOf(opened);

    expect((await browser.post("/auth/logout")).status).toBe(303);
    const closeMs = await msUntilClosed(h, client);
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "signed out" });
    expect(await origin.closed).toEqual({ code: POLICY_VIOLATION, reason: "signed out" });
    expect(closeMs).toBeLessThanOrEqual(FENCE_INTERVAL_MS);
  });

  it("is closed with 1008 'revoked' within REVOCATION_FENCE_INTERVAL_MS of a revocation through the fence", async () => {
    const h = await createHarness({
      vars: { REVOCATION_ADMIN_TOKEN: ADMIN_TOKEN, REVOCATION_FENCE_INTERVAL_MS: FENCE_INTERVAL_MS },
    });
    websocketOrigin(h);
    const token = await signToken(h.issuer.keys[0]!, validClaims(h.nowSeconds()));
    const elsewhere = h.otherIsolate();
    const opened = await elsewhere("/live", h.bearer(token, UPGRADE));
    expect(opened.status).toBe(101);
    const client = clientOf(opened);

    const revoked = await h.fetch("/auth/revoke", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ type: "sub", value: "user-123", expiresAt: h.nowSeconds() + 3600 }),
    });
    expect(revoked.status).toBe(200);
    const closeMs = await msUntilClosed(h, client);
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "revoked" });
    expect(closeMs).toBeLessThanOrEqual(FENCE_INTERVAL_MS);
  });
});

describe("the WebSocket relay's timer", () => {
  it("closes an idle socket with 1008 within one check interval of the credential ending", async () => {
    const [originEnd, originPeer] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    originPeer.accept();
    let ended: "signed out" | undefined;
    const intervalMs = 20;
    const relayed = relayWebSocket(
      new Response(null, { status: 101, webSocket: originEnd }),
      async () => ended,
      intervalMs,
    );
    const client = clientOf(relayed);
    const endedAt = Date.now();
    ended = "signed out";
    expect(await client.closed).toEqual({ code: POLICY_VIOLATION, reason: "signed out" });
    const closeMs = Date.now() - endedAt;
    // Generous bound for a busy machine: several intervals, far below a sign-out left standing.
    expect(closeMs).toBeLessThan(intervalMs * 50);
  });
});
