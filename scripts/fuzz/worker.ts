import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { Log, LogLevel, Miniflare } from "miniflare";

/** Bundles the worker as it would be deployed and runs it under Miniflare 4, with its log lines parsed. */

/** The newest compatibility date this Miniflare's workerd accepts is its own release date. */
const COMPATIBILITY_DATE = "2026-07-30";

export async function bundleWorker(root: string, outdir: string): Promise<string> {
  const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`wrangler bundle failed (${code}): ${stderr}`)),
    );
  });
  return join(outdir, "index.js");
}

export interface RunningWorker {
  readonly miniflare: Miniflare;
  dispose(): Promise<void>;
}

/** Starts the bundled worker; every JSON line it logs goes to `onLogLine`. */
export async function startWorker(
  scriptPath: string,
  bindings: Record<string, unknown>,
  onLogLine: (line: Record<string, unknown>) => void,
): Promise<RunningWorker> {
  const readJsonLines = (stream: NodeJS.ReadableStream) => {
    createInterface({ input: stream }).on("line", (text) => {
      const start = text.indexOf("{");
      if (start === -1) return;
      try {
        onLogLine(JSON.parse(text.slice(start)) as Record<string, unknown>);
      } catch {
        // Not one of the worker's JSON lines.
      }
    });
  };
  const miniflare = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    // No Request.cf from Cloudflare's servers: this run talks to loopback only.
    cf: false,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ["nodejs_compat"],
    kvNamespaces: ["AUTH_KV"],
    bindings: bindings as Record<string, never>,
    host: "127.0.0.1",
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
      readJsonLines(stdout);
      readJsonLines(stderr);
    },
  });
  await miniflare.ready;
  return { miniflare, dispose: () => miniflare.dispose() };
}
