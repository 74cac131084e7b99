/**
 * The local stack: the development OpenID Provider, and the worker under `wrangler dev` (local mode,
 * KV persisted on disk) protecting the demo site served through the ASSETS binding. Used by
 * `npm start` and by the end-to-end tests, so what a newcomer runs is what the tests prove.
 *
 * It never reports a stack that is not its own: both ports are bound once before anything starts, and
 * once started, the provider and the worker must answer as this run's (stack-identity.ts). Secrets
 * reach wrangler in a private file, never on its command line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startDevProvider } from "./idp/provider.ts";
import { assertPortFree, freePort, PortInUseError, STACK_HOST } from "./ports.ts";
import { writeSecretsFile } from "./secrets-file.ts";
import { checkProviderIdentity, checkWorkerIdentity } from "./stack-identity.ts";

export { freePort, PortInUseError } from "./ports.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEV_VARS_PATH = `${ROOT}.dev.vars`;

/** How long wrangler may take to serve its first request. */
const WORKER_START_TIMEOUT_MS = 60_000;
/** How long wrangler's processes get to exit after SIGTERM before they are killed. */
const STOP_GRACE_MS = 5000;
const STOP_POLL_MS = 50;

export interface StackOptions {
  /** 0 or unset picks a free port. */
  readonly workerPort?: number;
  readonly idpPort?: number;
  /** Where wrangler keeps local KV; a fresh temp dir gives a clean slate. */
  readonly persistTo?: string;
  /** Extra `--var NAME:VALUE` for the worker (strings; JSON for lists). Shown on wrangler's command line. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Extra secrets for the worker, passed in a private file (secrets-file.ts says which characters). */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Called with each line wrangler prints. */
  readonly onWorkerOutput?: (line: string) => void;
}

export interface Stack {
  readonly siteUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The worker's callback URL, registered for the client at the provider. */
  readonly redirectUri: string;
  /** Stops the provider; the worker keeps running (to test a provider outage). */
  stopProvider(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the provider, then the worker, and resolves once both answer as this run's. Rejects with a
 * PortInUseError when a port given is taken (before starting anything) or answers as another server;
 * whatever it started is stopped again before it rejects.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (options.workerPort) await assertPortFree(options.workerPort, "worker");
  if (options.idpPort) await assertPortFree(options.idpPort, "provider");
  const workerPort = options.workerPort || (await freePort());
  const siteUrl = `http://${STACK_HOST}:${workerPort}`;
  const idp = await startProvider(options.idpPort ?? 0, [siteUrl, `http://localhost:${workerPort}`]);
  const cleanups: (() => Promise<void>)[] = [() => idp.close()];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const provider = await checkProviderIdentity(idp.issuer);
    if (!provider.ok)
      throw new PortInUseError("provider", idp.port, `answers as another server (${provider.found})`);

    const secrets = await writeSecretsFile({
      OIDC_CLIENT_SECRET: idp.clientSecret,
      SESSION_SECRET: randomBytes(32).toString("base64url"),
      ...options.secrets,
    });
    cleanups.push(() => secrets.remove());
    const worker = spawnWrangler(
      { port: workerPort, inspectorPort: await freePort() },
      secrets.path,
      options,
      {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        // The dev provider makes a new signing key at every start while KV keeps the last run's key set:
        // the location-wide unknown-kid cooldown (one isolate here anyway) would hold the new key back.
        UNKNOWN_KID_SHARED_COOLDOWN: "false",
        ...options.vars,
      },
    );
    cleanups.push(() => killGroup(worker));

    await waitForHttp(`${siteUrl}/`, worker, WORKER_START_TIMEOUT_MS);
    const identity = await checkWorkerIdentity({ siteUrl, issuer: idp.issuer, clientId: idp.clientId });
    if (!identity.ok)
      throw new PortInUseError("worker", workerPort, `answers as another server (${identity.found})`);
  } catch (error) {
    await cleanUp();
    throw error;
  }

  let providerUp = true;
  return {
    siteUrl,
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    redirectUri: `${siteUrl}/auth/callback`,
    async stopProvider() {
      if (providerUp) await idp.close();
      providerUp = false;
    },
    async stop() {
      providerUp = false;
      await cleanUp();
    },
  };
}

async function startProvider(port: number, workerOrigins: string[]) {
  try {
    return await startDevProvider({ port, host: STACK_HOST, workerOrigins });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
    if (cause?.code === "EADDRINUSE") throw new PortInUseError("provider", port, "is already in use");
    throw error;
  }
}

function spawnWrangler(
  { port, inspectorPort }: { port: number; inspectorPort: number },
  secretsPath: string,
  options: StackOptions,
  vars: Readonly<Record<string, string>>,
): ChildProcess {
  const args = ["wrangler", "dev", "--ip", STACK_HOST, "--port", String(port)];
  args.push("--inspector-port", String(inspectorPort));
  args.push("--show-interactive-dev-session=false", "--log-level", "log");
  // With --env-file wrangler no longer reads .dev.vars by itself: pass it first, so that the stack's
  // own secrets (later files win) override it and everything else in it still applies.
  if (existsSync(DEV_VARS_PATH)) args.push("--env-file", DEV_VARS_PATH);
  args.push("--env-file", secretsPath);
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const worker = spawn("npx", args, {
    cwd: ROOT,
    detached: true, // its own process group, so stopping it stops workerd too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      // The secrets file is read as a .env file, and nothing else from the environment becomes a binding.
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
      CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
      NO_COLOR: "1",
    },
  });
  forwardLines(worker, options.onWorkerOutput);
  return worker;
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

/**
 * Stops wrangler's whole process group (npx, wrangler, esbuild, workerd) and resolves once every member
 * is gone, not only the leader: SIGTERM, then SIGKILL for what is left after a grace period.
 */
async function killGroup(child: ChildProcess): Promise<void> {
  const group = child.pid;
  if (group === undefined || !signalGroup(group, "SIGTERM")) return;
  const killAt = Date.now() + STOP_GRACE_MS;
  // A member that is killed but never reaped (a zombie) still counts: stop waiting for it at some point.
  const giveUpAt = killAt + STOP_GRACE_MS;
  while (signalGroup(group, 0) && Date.now() < giveUpAt) {
    if (Date.now() > killAt) signalGroup(group, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_MS));
  }
}

/** Sends `signal` to process group `group`; false once no process of the group is left. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}
