import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CLIENT_SECRET } from "../dev/idp/dev-client.ts";
import { freePort } from "../dev/ports.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BANNER_END = "Press Ctrl-C to stop.";

let dir: string;
let statePath: string;
let start: ChildProcess;
let output = "";
let workerPort: number;
let idpPort: number;

/** Every process below `pid`, with its command line. */
function descendants(pid: number): { pid: number; args: string }[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map(([, child, parent, args]) => ({ pid: Number(child), ppid: Number(parent), args: args as string }));
  const found: { pid: number; args: string }[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      queue.push(row.pid);
    }
  }
  return found;
}

/** The stack's secrets file: the last --env-file (a developer's .dev.vars may come before it). */
function secretsFileOf(commandLine: string): string | undefined {
  return [...commandLine.matchAll(/--env-file (\S+)/g)].at(-1)?.[1];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The command inside `$(…)` of the banner's curl line, run as printed (through a shell, from the checkout). */
function runPrintedTokenCommand(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = /\$\((npm run -s token -- alice)\)/.exec(output)?.[1];
  if (!command) throw new Error(`no token command in the banner:\n${output}`);
  return new Promise((resolve) => {
    const child = execFile(
      "sh",
      ["-c", command],
      {
        cwd: ROOT,
        timeout: 30_000,
        env: { ...process.env, OIDC_ISSUER: "", EDGE_AUTH_DEV_STATE: statePath },
      },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edge-auth-start-e2e-"));
  statePath = join(dir, "stack.json");
  [workerPort, idpPort] = await Promise.all([freePort(), freePort()]);
  start = spawn(
    process.execPath,
    [
      "scripts/start.ts",
      "--port",
      String(workerPort),
      "--idp-port",
      String(idpPort),
      "--persist-to",
      join(dir, "kv"),
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, EDGE_AUTH_DEV_STATE: statePath } },
  );
  start.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  start.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes(BANNER_END)) resolve();
      else if (start.exitCode !== null) reject(new Error(`npm start exited early:\n${output}`));
      else return;
      clearInterval(timer);
    }, 100);
  });
});

afterAll(async () => {
  if (start.exitCode === null) {
    const exited = new Promise((resolve) => start.once("exit", resolve));
    start.kill("SIGINT");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe("npm start on ports other than the defaults", () => {
  it("prints a token command that works as printed, and the token passes the worker", async () => {
    const siteUrl = `http://127.0.0.1:${workerPort}`;
    expect(output).toContain(
      `curl -H "Authorization: Bearer $(npm run -s token -- alice)" ${siteUrl}/auth/whoami`,
    );
    const { code, stdout, stderr } = await runPrintedTokenCommand();
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const whoami = await fetch(`${siteUrl}/auth/whoami`, {
      headers: { authorization: `Bearer ${stdout.trim()}` },
    });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({
      email: "alice@example.com",
      issuer: `http://127.0.0.1:${idpPort}`,
    });
  });

  it("gives wrangler its secrets in a private file, so no secret is on any command line", () => {
    const processes = descendants(start.pid as number);
    const wrangler = processes.find((p) => p.args.includes("wrangler dev"));
    const envFile = secretsFileOf(wrangler?.args ?? "");
    expect(envFile).toBeDefined();
    expect(statSync(envFile as string).mode & 0o777).toBe(0o600);
    for (const { args } of processes) {
      expect(args).not.toContain("SESSION_SECRET");
      expect(args).not.toContain("OIDC_CLIENT_SECRET");
      expect(args).not.toContain(DEV_CLIENT_SECRET);
    }
  });

  it("answers a path with no file with the demo's 404 page, only to a caller the gate admits", async () => {
    const siteUrl = `http://127.0.0.1:${workerPort}`;
    const { stdout: token } = await runPrintedTokenCommand();
    const missing = await fetch(`${siteUrl}/app/no-such-page`, {
      headers: { authorization: `Bearer ${token.trim()}` },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("<title>Page not found · edge-auth demo</title>");

    const anonymous = await fetch(`${siteUrl}/app/no-such-page`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain("Page not found");

    const icon = await fetch(`${siteUrl}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  });

  it("stops everything it started on Ctrl-C and removes its state and secrets files", async () => {
    const processes = descendants(start.pid as number);
    const wrangler = processes.find((p) => p.args.includes("wrangler dev"));
    const envFile = secretsFileOf(wrangler?.args ?? "") as string;
    expect(existsSync(statePath)).toBe(true);
    const exited = new Promise<number | null>((resolve) => start.once("exit", resolve));
    start.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(processes.filter((p) => isAlive(p.pid))).toEqual([]);
    expect(existsSync(statePath)).toBe(false);
    expect(existsSync(envFile)).toBe(false);
  });
});
