/**
 * Starts and stops the bench's child processes. Each runs in its own process group and is stopped by
 * its id; every process still running when the runner exits (normally, on error or on Ctrl-C) is stopped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer, Socket } from "node:net";

const running = new Set<ChildProcess>();

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of running) stopGroup(child, "SIGKILL");
    process.exit(130);
  });
}
process.on("exit", () => {
  for (const child of running) stopGroup(child, "SIGKILL");
});

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

export interface Workerd {
  readonly child: ChildProcess;
  /** Milliseconds from spawn until every socket accepted a connection. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Runs `workerd serve <config>` and resolves once every port accepts connections. */
export async function startWorkerd(
  workerdBin: string,
  configPath: string,
  ports: readonly number[],
  logPath: string,
  keepStdout: boolean,
  extraArgs: readonly string[] = [],
): Promise<Workerd> {
  const log = openSync(logPath, "a");
  const startedAt = performance.now();
  const child = spawn(workerdBin, ["serve", configPath, ...extraArgs], {
    detached: true,
    stdio: ["ignore", keepStdout ? log : "ignore", log],
  });
  closeSync(log);
  running.add(child);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      stopGroup(child, "SIGTERM");
      const timer = setTimeout(() => stopGroup(child, "SIGKILL"), 2000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
  };
  const deadline = performance.now() + 20_000;
  for (const port of ports) {
    while (!(await portAccepts(port))) {
      if (child.exitCode !== null || performance.now() > deadline) {
        await stop();
        const tail = readFileSync(logPath, "utf8").split("\n").slice(-20).join("\n");
        throw new Error(`workerd did not start (port ${port}); its log ends with:\n${tail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return { child, startupMs: performance.now() - startedAt, stop };
}

/**
 * CPU time a process has used so far, all threads, in nanoseconds (Linux: /proc/<pid>/task/<tid>/schedstat);
 * undefined where that is not available.
 */
export function cpuTimeNs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // The thread ended between listing and reading.
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion with a hard time limit; resolves with its stdout. */
export function runBounded(command: string, args: readonly string[], limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => stopGroup(child, "SIGKILL"), limitMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(`${command} exited with ${code ?? signal}: ${(stderr || stdout).trim().slice(0, 500)}`),
        );
    });
  });
}
