import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoOrigin {
  readonly url: string;
  close(): Promise<void>;
}

/** An origin that answers every request with JSON of what it received (path and headers). */
export async function startEchoOrigin(): Promise<EchoOrigin> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ path: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
