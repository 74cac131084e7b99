import type { webcrypto } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** The two loopback servers the fuzzed worker talks to: its identity provider and its origin. */

export interface IssuerKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicJwk: JWK;
}

export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: nothing here is reachable from another host.
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export async function generateIssuerKeys(): Promise<IssuerKey[]> {
  const keys: IssuerKey[] = [];
  for (const [alg, kid] of [
    ["RS256", "rsa-1"],
    ["ES256", "ec-1"],
    ["EdDSA", "ed-1"],
  ] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({ alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } });
  }
  return keys;
}

/** Discovery and a JWKS for `keys`; counts what it served. */
export async function startIssuer(
  keys: readonly IssuerKey[],
): Promise<LoopbackServer & { fetches: () => number }> {
  let fetches = 0;
  let issuer = "";
  const server = createServer((request, response) => {
    fetches++;
    const send = (body: unknown) => {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=600" });
      response.end(JSON.stringify(body));
    };
    if (request.url === "/.well-known/openid-configuration")
      send({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
      });
    else if (request.url === "/jwks") send({ keys: keys.map((key) => key.publicJwk) });
    else {
      response.writeHead(404);
      response.end();
    }
  });
  issuer = await listen(server);
  return { url: issuer, close: closer(server), fetches: () => fetches };
}

export interface OriginVisit {
  readonly fuzzId: string | undefined;
  /** Every header whose name could pass for an identity header, with its value. */
  readonly identity: Readonly<Record<string, string>>;
}

const IDENTITY_NAME = /^x[-_]auth[-_]/i;

/** An origin that answers 200 and records, per fuzz request id, which identity headers reached it. */
export async function startOrigin(): Promise<LoopbackServer & { visits: Map<string, OriginVisit> }> {
  const visits = new Map<string, OriginVisit>();
  const server = createServer((request, response) => {
    const fuzzId = header(request.headers, "x-fuzz-id");
    const identity: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (IDENTITY_NAME.test(name)) identity[name] = String(value);
    if (fuzzId !== undefined) visits.set(fuzzId, { fuzzId, identity });
    request.resume();
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("origin");
  });
  return { url: await listen(server), close: closer(server), visits };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
