/**
 * `npm start`: the whole thing on loopback in one terminal — the development OpenID Provider, and the
 * worker under `wrangler dev` guarding the demo site. Ctrl-C stops everything it started.
 *
 *   npm start [-- --port 8787] [--idp-port 9400] [--persist-to <dir>] [--verbose]
 */
import { parseArgs } from "node:util";
import { DEMO_USERS } from "../dev/idp/demo-users.ts";
import { assertPortFree, type StackPart } from "../dev/ports.ts";
import { PortInUseError, type Stack, startStack } from "../dev/stack.ts";
import { removeStackState, stackStatePath, writeStackState } from "../dev/stack-state.ts";

const DEFAULT_WORKER_PORT = 8787;
const DEFAULT_IDP_PORT = 9400;
const PORT_FLAGS: Record<StackPart, string> = { worker: "--port", provider: "--idp-port" };
const USAGE = `usage: npm start [-- --port <n>] [--idp-port <n>] [--persist-to <dir>] [--verbose]
  --port        the worker (the demo site), default ${DEFAULT_WORKER_PORT}
  --idp-port    the development OpenID Provider, default ${DEFAULT_IDP_PORT}
  --persist-to  where wrangler keeps local KV, default .wrangler/state
  --verbose     show the worker's decision log`;

class UsageError extends Error {}

function readOptions() {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  return {
    help: values.help,
    verbose: values.verbose,
    persistTo: values["persist-to"],
    workerPort: port("--port", values.port),
    idpPort: port("--idp-port", values["idp-port"]),
  };
}

function parse() {
  return parseArgs({
    options: {
      port: { type: "string", default: String(DEFAULT_WORKER_PORT) },
      "idp-port": { type: "string", default: String(DEFAULT_IDP_PORT) },
      "persist-to": { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

function port(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 65535)
    throw new UsageError(`${flag} must be a port number from 1 to 65535 (got "${text}")`);
  return value;
}

/** The next port above `taken` that can be bound now, to suggest in the error. */
async function nextFreePort(taken: number, part: StackPart): Promise<number | undefined> {
  for (let candidate = taken + 1; candidate <= Math.min(taken + 20, 65535); candidate++) {
    if (
      await assertPortFree(candidate, part).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

async function portInUseMessage(error: PortInUseError): Promise<string> {
  const flag = PORT_FLAGS[error.part];
  const suggestion = await nextFreePort(error.port, error.part);
  const example = `npm start -- ${flag} ${suggestion ?? "<port>"}`;
  return `${error.message}; stop what listens there, or choose another port with ${flag} (${example})`;
}

function banner(stack: Stack, verbose: boolean): string {
  const site = stack.siteUrl;
  return `
edge-auth is running.

  Home (public)          ${site}/
  App (signed in)        ${site}/app/
  Admin (group admins)   ${site}/admin/
  Who am I (JSON)        ${site}/auth/whoami
  Identity provider      ${stack.issuer}  (discovery: ${stack.issuer}/.well-known/openid-configuration)

  Demo users:
${DEMO_USERS.map((u) => `    ${u.username.padEnd(6)} / ${u.password.padEnd(15)} groups: ${u.groups.join(", ")}`).join("\n")}

  A bearer token for API calls (npm run token finds this provider while npm start runs):
    curl -H "Authorization: Bearer $(npm run -s token -- alice)" ${site}/auth/whoami

${verbose ? "The worker's output (one JSON decision line per request) follows." : "To see the worker's decision log (one JSON line per request): npm start -- --verbose"}
Press Ctrl-C to stop.`;
}

async function main(): Promise<number> {
  const options = readOptions();
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  // Signals are handled from the start: wrangler runs in its own process group, so a Ctrl-C during
  // start-up must stop it too.
  let stack: Stack | undefined;
  let stopSignal: string | undefined;
  const shutdown = async (signal: string) => {
    if (stopSignal) return;
    stopSignal = signal;
    if (!stack) return void console.log(`\n${signal}: stopping as soon as the start-up ends…`);
    console.log(`\n${signal}: stopping the worker and the provider…`);
    await stack.stop();
    console.log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  console.log("Starting the development OpenID Provider and the worker (wrangler dev, local mode)…");
  const started = await startStack({
    workerPort: options.workerPort,
    idpPort: options.idpPort,
    ...(options.persistTo ? { persistTo: options.persistTo } : {}),
    onWorkerOutput: (line) => {
      if (options.verbose || /error|✘|\[ERROR\]/i.test(line)) console.log(`  [worker] ${line}`);
    },
  });
  if (stopSignal) {
    await started.stop();
    console.log("Stopped.");
    return 0;
  }
  stack = started;

  const statePath = stackStatePath();
  process.on("exit", () => removeStackState(statePath, process.pid));
  await writeStackState(statePath, {
    pid: process.pid,
    siteUrl: stack.siteUrl,
    issuer: stack.issuer,
    clientId: stack.clientId,
    redirectUri: stack.redirectUri,
  });
  console.log(banner(stack, options.verbose));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`npm start: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    const message =
      error instanceof PortInUseError
        ? await portInUseMessage(error)
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(`npm start: ${message}`);
    process.exitCode = 1;
    process.exit();
  },
);
