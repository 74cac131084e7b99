import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

/** RFC 6455 §1.3: the GUID a server appends to the client's key to prove it read the handshake. */
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const TEXT = 0x1;
const CLOSE = 0x8;

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** One end of a WebSocket over a raw socket: text messages and the close handshake (RFC 6455 §5, §7). */
export interface Peer {
  send(text: string): void;
  /** The next text message, or "closed" once the connection is closed. */
  next(): Promise<string>;
  readonly closed: Promise<Closed>;
  readonly received: string[];
  /** Drops the connection (no close handshake): for tearing a test down. */
  destroy(): void;
}

export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + HANDSHAKE_GUID)
    .digest("base64");
}

/** A frame (FIN set), masked as RFC 6455 §5.3 requires from a client and forbids from a server. */
function encodeFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  const length = payload.length;
  const size = length < 126 ? [length] : [126, length >> 8, length & 0xff];
  const mask = masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload.map((byte, i) => (masked ? byte ^ mask[i % 4]! : byte)));
  return Buffer.concat([
    Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | size[0]!, ...size.slice(1)]),
    mask,
    body,
  ]);
}

export function peerOver(socket: Duplex, masked: boolean, head: Buffer = Buffer.alloc(0)): Peer {
  let buffered = Buffer.alloc(0);
  const received: string[] = [];
  const queue: string[] = [];
  const waiting: ((text: string) => void)[] = [];
  let resolveClosed: (closed: Closed) => void = () => {};
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  const deliver = (text: string) => {
    const waiter = waiting.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  };
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0]! & 0x0f;
      const isMasked = (buffered[1]! & 0x80) !== 0;
      let length = buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      }
      const maskKey = isMasked ? buffered.subarray(offset, offset + 4) : undefined;
      if (maskKey) offset += 4;
      if (buffered.length < offset + length) return;
      const payload = Buffer.from(buffered.subarray(offset, offset + length));
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i % 4]!;
      buffered = buffered.subarray(offset + length);
      if (opcode === TEXT) {
        received.push(payload.toString("utf8"));
        deliver(payload.toString("utf8"));
      } else if (opcode === CLOSE) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        resolveClosed({ code, reason: payload.subarray(2).toString("utf8") });
        socket.end(encodeFrame(CLOSE, payload.subarray(0, 2), masked));
        while (waiting.length > 0) waiting.shift()!("closed");
      }
    }
  };
  socket.on("data", onData);
  socket.on("error", () => resolveClosed({ code: 1006, reason: "" }));
  socket.on("close", () => {
    resolveClosed({ code: 1006, reason: "" });
    while (waiting.length > 0) waiting.shift()!("closed");
  });
  if (head.length > 0) onData(head);
  return {
    send: (text) => socket.write(encodeFrame(TEXT, Buffer.from(text, "utf8"), masked)),
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))),
    closed,
    received,
    destroy: () => socket.destroy(),
  };
}

/** A WebSocket origin over node:http that answers every message with "origin heard <message>". */
export async function startEchoOrigin() {
  const upgrades: IncomingHttpHeaders[] = [];
  const peers: Peer[] = [];
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on("upgrade", (req, socket: Duplex, head: Buffer) => {
    upgrades.push(req.headers);
    const key = String(req.headers["sec-websocket-key"] ?? "");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    const peer = peerOver(socket, false, head);
    peers.push(peer);
    const echo = async () => {
      for (let text = await peer.next(); text !== "closed"; text = await peer.next())
        peer.send(`origin heard ${text}`);
    };
    void echo();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgrades,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        // Upgraded sockets are no longer the server's: they are dropped one by one.
        for (const peer of peers) peer.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens a WebSocket as a client would (RFC 6455 §4.1): a peer, or the HTTP status it was refused with. */
export function openWebSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ peer: Peer } | { refused: number }> {
  const key = randomBytes(16).toString("base64");
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": key,
        ...headers,
      },
    });
    req.on("upgrade", (res, socket, head) => {
      if (res.headers["sec-websocket-accept"] !== acceptKey(key))
        reject(new Error("bad Sec-WebSocket-Accept"));
      else resolve({ peer: peerOver(socket, true, head) });
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ refused: res.statusCode ?? 0 });
    });
    req.on("error", reject);
    req.end();
  });
}
