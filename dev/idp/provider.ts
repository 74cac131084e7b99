import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { buildConfiguration } from "./configuration.ts";
import { DEMO_USERS, type DemoUser } from "./demo-users.ts";
import { DEFAULT_WORKER_ORIGINS, DEV_CLIENT_ID, DEV_CLIENT_SECRET } from "./dev-client.ts";
import { handleInteraction, INTERACTION_PREFIX } from "./interactions.ts";

export type { DemoUser } from "./demo-users.ts";

export interface DevProviderOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Origins of the worker whose /auth/callback and /auth/signed-out are registered for the client. */
  workerOrigins?: string[];
  /** Lifetime of issued ID tokens; default 3600. */
  idTokenTtlSeconds?: number;
}

export interface DevProvider {
  /** `http://<host>:<port>`, no trailing slash; discovery is at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  users: DemoUser[];
  /** Stops listening and drops open connections; safe to call twice. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new Error(`dev OpenID Provider cannot listen on ${host}:${port}: ${error.message}`, { cause: error }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

function issuerHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Starts the development OpenID Provider (oidc-provider, a certified OP) on a node:http server:
 * one static client (`edge-auth-demo`), the demo users, a fresh RS256 key, consent skipped,
 * PKCE S256 required, refresh tokens with rotation. Everything lives in memory.
 */
export async function startDevProvider(options: DevProviderOptions = {}): Promise<DevProvider> {
  const host = options.host ?? "127.0.0.1";
  let handle: RequestListener = (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));

  let provider: Provider;
  try {
    const [configuration] = await Promise.all([
      buildConfiguration({
        workerOrigins: options.workerOrigins ?? [...DEFAULT_WORKER_ORIGINS],
        idTokenTtlSeconds: options.idTokenTtlSeconds ?? 3600,
      }),
      listen(server, options.port ?? 0, host),
    ]);
    const { port } = server.address() as AddressInfo;
    provider = new Provider(`http://${issuerHost(host)}:${port}`, configuration);
  } catch (error) {
    server.close();
    throw error;
  }
  provider.proxy = false;
  const oidc = provider.callback();
  handle = (req, res) => {
    if (!req.url?.startsWith(INTERACTION_PREFIX)) return void oidc(req, res);
    handleInteraction(provider, req, res).catch((error: unknown) => {
      console.error("dev OpenID Provider: interaction failed:", error);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("interaction failed");
    });
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    issuer: provider.issuer,
    port: (server.address() as AddressInfo).port,
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
    users: DEMO_USERS.map((user) => ({ ...user, groups: [...user.groups] })),
    close,
  };
}
