/**
 * Bundles what the bench runs: edge-auth exactly as `wrangler deploy` would upload it (dry run, no
 * account needed), and the harness and peer workers with the esbuild that wrangler ships.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface BundleSize {
  readonly rawBytes: number;
  readonly gzipBytes: number;
}

export interface WranglerSettings {
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
}

export function sizeOf(path: string): BundleSize {
  return { rawBytes: statSync(path).size, gzipBytes: gzipSync(readFileSync(path)).length };
}

/** `wrangler deploy --dry-run --outdir`: the exact module that would be uploaded. */
export function bundleEdgeAuth(root: string, outDir: string): string {
  execFileSync(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outDir], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
  });
  return join(outDir, "index.js");
}

/**
 * Bundles edge-auth as it was at a git ref (for before/after comparisons in one run): the ref's src/
 * and wrangler.toml are exported to a temporary directory that borrows this tree's node_modules.
 */
export function bundleEdgeAuthAt(root: string, ref: string, workDir: string): string {
  mkdirSync(workDir, { recursive: true });
  const archive = execFileSync(
    "git",
    ["archive", "--format=tar", ref, "src", "wrangler.toml", "package.json"],
    {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  execFileSync("tar", ["-x", "-C", workDir], { input: archive });
  // wrangler.toml names an assets directory (the demo site); the bench binds its own origin as ASSETS.
  mkdirSync(join(workDir, "demo/site"), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(workDir, "node_modules"));
  execFileSync(
    join(root, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--outdir", join(workDir, "dist")],
    {
      cwd: workDir,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        CI: "true",
      },
    },
  );
  return join(workDir, "dist", "index.js");
}

/** Bundles one worker the way wrangler does (ES module, workerd/worker export conditions). */
export function bundleWorker(root: string, entry: string, outFile: string): string {
  execFileSync(
    join(root, "node_modules/.bin/esbuild"),
    [
      entry,
      "--bundle",
      "--format=esm",
      "--platform=browser",
      "--conditions=workerd,worker,browser",
      "--target=es2024",
      // Modules workerd provides itself (the Durable Object base classes).
      "--external:cloudflare:*",
      `--outfile=${outFile}`,
      "--log-level=warning",
    ],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );
  return outFile;
}

/** compatibility_date and compatibility_flags from wrangler.toml (two flat keys: no TOML parser needed). */
export function readWranglerSettings(root: string): WranglerSettings {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return {
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string),
  };
}
