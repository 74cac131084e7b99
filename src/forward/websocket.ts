import type { StandingCheck } from "./credential-standing.ts";

/** How often an open WebSocket's credential is checked again when no message prompts it. */
export const WEBSOCKET_STANDING_CHECK_MS = 5000;

/** RFC 6455 §7.4.1: the close code for a connection that breaks the endpoint's policy. */
export const POLICY_VIOLATION = 1008;

/** Whether the request asks to become a WebSocket (RFC 6455 §4.1: `Upgrade: websocket`). */
export function isWebSocketUpgrade(request: Request): boolean {
  return (request.headers.get("upgrade") ?? "").trim().toLowerCase() === "websocket";
}

/**
 * Stands between the client and the origin's WebSocket instead of handing the origin's socket over:
 * every message is relayed both ways, and the credential that opened the connection is checked again
 * before each message is passed on and every `checkIntervalMs` (one timer per socket). When it no
 * longer stands, both sides are closed with 1008 and the reason ("signed out", "revoked", "expired");
 * the message that prompted the check is not delivered. The origin's handshake answer keeps its
 * headers (e.g. `Sec-WebSocket-Protocol`).
 */
export function relayWebSocket(
  originResponse: Response,
  standing: StandingCheck,
  checkIntervalMs = WEBSOCKET_STANDING_CHECK_MS,
): Response {
  const originSocket = originResponse.webSocket;
  if (!originSocket) return originResponse;
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  originSocket.accept();
  server.accept();

  let open = true;
  // Messages go on in order: each waits for the check before it, and for the one before it.
  let queue: Promise<void> = Promise.resolve();
  const end = (code: number, reason: string) => {
    if (!open) return;
    open = false;
    clearInterval(timer);
    closeQuietly(server, code, reason);
    closeQuietly(originSocket, code, reason);
  };
  const checkThen = (deliver?: () => void) => {
    queue = queue.then(async () => {
      if (!open) return;
      const ended = await standing().catch(() => undefined);
      if (ended) return end(POLICY_VIOLATION, ended);
      deliver?.();
    });
  };
  const timer = setInterval(() => checkThen(), checkIntervalMs);

  server.addEventListener("message", (event) => checkThen(() => sendQuietly(originSocket, event.data)));
  originSocket.addEventListener("message", (event) => checkThen(() => sendQuietly(server, event.data)));
  server.addEventListener("close", (event) => end(event.code, event.reason));
  originSocket.addEventListener("close", (event) => end(event.code, event.reason));
  server.addEventListener("error", () => end(INTERNAL_ERROR, "client error"));
  originSocket.addEventListener("error", () => end(INTERNAL_ERROR, "origin error"));

  return new Response(null, { status: 101, headers: originResponse.headers, webSocket: client });
}

/** RFC 6455 §7.4.1: the close code for an unexpected condition. */
const INTERNAL_ERROR = 1011;

/** Codes an endpoint may not send in a Close frame (RFC 6455 §7.4.1: 1005, 1006, 1015). */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(RESERVED_CLOSE_CODES.has(code) ? 1000 : code, reason);
  } catch {
    // Already closed.
  }
}

function sendQuietly(socket: WebSocket, data: string | ArrayBuffer): void {
  try {
    socket.send(data);
  } catch {
    // The other side is gone; its close event ends the relay.
  }
}
