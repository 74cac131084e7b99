import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPortFree, freePort } from "../dev/ports.ts";

const SCRIPT = fileURLToPath(new URL("../scripts/start.ts", import.meta.url));

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "edge-auth-start-"));
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));

/** Another process's listener on a free port of 127.0.0.1. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nanother"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, server };
}

/** Runs `npm start`'s script in a process group of its own until it exits. */
function runStart(args: string[], statePath: string) {
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, EDGE_AUTH_DEV_STATE: statePath },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string; pid: number }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr, pid: child.pid as number })),
  );
}

function groupIsGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

describe("npm start on a port another process holds", () => {
  it("refuses a taken worker port in one line naming --port, exits non-zero and leaves nothing running", async () => {
    const taken = await holdPort();
    const idpPort = await freePort();
    const statePath = join(stateDir, "worker-port.json");
    try {
      const result = await runStart(["--port", String(taken.port), "--idp-port", String(idpPort)], statePath);
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(
            `^npm start: port ${taken.port} on 127\\.0\\.0\\.1 \\(the worker\\) is already in use; .*--port`,
          ),
        ),
      ]);
      expect(result.stdout).not.toContain("edge-auth is running");
      expect(groupIsGone(result.pid)).toBe(true);
      await expect(assertPortFree(idpPort, "provider")).resolves.toBeUndefined();
      expect(existsSync(statePath)).toBe(false);
    } finally {
      taken.server.close();
    }
  });

  it("refuses a taken provider port in one line naming --idp-port, and starts no worker", async () => {
    const taken = await holdPort();
    const workerPort = await freePort();
    const statePath = join(stateDir, "idp-port.json");
    try {
      const result = await runStart(
        ["--port", String(workerPort), "--idp-port", String(taken.port)],
        statePath,
      );
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(
            `^npm start: port ${taken.port} on 127\\.0\\.0\\.1 \\(the identity provider\\) is already in use; .*--idp-port`,
          ),
        ),
      ]);
      expect(groupIsGone(result.pid)).toBe(true);
      await expect(assertPortFree(workerPort, "worker")).resolves.toBeUndefined();
      expect(existsSync(statePath)).toBe(false);
    } finally {
      taken.server.close();
    }
  });

  it("answers a port that is not a number with the usage and exit code 2", async () => {
    const result = await runStart(["--port", "http"], join(stateDir, "usage.json"));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('npm start: --port must be a port number from 1 to 65535 (got "http")');
    expect(result.stderr).toContain("--idp-port");
  });
});
