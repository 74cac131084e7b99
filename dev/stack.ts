/**
 * The local stack: the development OpenID Provider, and the worker under `wrangler dev` (local mode,
 * KV persisted on disk) protecting the demo site served through the ASSETS binding. Used by
 * `npm start` and by the end-to-end tests, so what a newcomer runs is what the tests prove.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { startDevProvider } from "./idp/provider.ts";

export interface StackOptions {
  /** 0 picks a free port. */
  readonly workerPort?: number;
  readonly idpPort?: number;
  /** Where wrangler keeps local KV; a fresh temp dir gives a clean slate. */
  readonly persistTo?: string;
  /** Extra `--var NAME:VALUE` for the worker (strings; JSON for lists). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Called with each line wrangler prints. */
  readonly onWorkerOutput?: (line: string) => void;
}

export interface Stack {
  readonly siteUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Stops the provider; the worker keeps running (to test a provider outage). */
  stopProvider(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const workerPort = options.workerPort || (await freePort());
  const siteUrl = `http://127.0.0.1:${workerPort}`;
  const idp = await startDevProvider({
    port: options.idpPort ?? 0,
    workerOrigins: [siteUrl, `http://localhost:${workerPort}`],
  });
  const vars: Record<string, string> = {
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    SESSION_SECRET: randomBytes(32).toString("base64url"),
    // The dev provider makes a new signing key at every start while KV keeps the last run's key set:
    // the location-wide unknown-kid cooldown (one isolate here anyway) would hold the new key back.
    UNKNOWN_KID_SHARED_COOLDOWN: "false",
    ...options.vars,
  };
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(workerPort),
    "--inspector-port",
    String(await freePort()),
  ];
  args.push("--show-interactive-dev-session=false", "--log-level", "log");
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);

  const worker = spawn("npx", args, {
    cwd: new URL("..", import.meta.url).pathname,
    detached: true, // its own process group, so stopping it stops workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_COLOR: "1",
    },
  });
  forwardLines(worker, options.onWorkerOutput);
  let stopped = false;
  const stopWorker = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(worker);
  };
  try {
    await waitForHttp(`${siteUrl}/`, worker, 60_000);
  } catch (error) {
    await stopWorker();
    await idp.close();
    throw error;
  }
  let providerUp = true;
  return {
    siteUrl,
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    async stopProvider() {
      if (providerUp) await idp.close();
      providerUp = false;
    },
    async stop() {
      await stopWorker();
      if (providerUp) await idp.close();
      providerUp = false;
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited with code ${child.exitCode} before serving ${url}`);
    try {
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  throw new Error(`wrangler dev did not serve ${url} within ${timeoutMs} ms`);
}

function forwardLines(child: ChildProcess, onLine: ((line: string) => void) | undefined): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) onLine?.(line);
    });
  }
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), "SIGKILL");
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}
