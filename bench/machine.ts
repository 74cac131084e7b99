/** What the numbers were measured on: machine, load, versions, commit and date. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

export interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly loadAverage: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly commit: string;
}

function packageVersion(root: string, name: string): string {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "missing";
  }
}

function quiet(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "";
  }
}

export function describeMachine(root: string): Machine {
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const prettyName = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(osRelease)?.[1] ?? process.platform;
  const commit = quiet("git", ["rev-parse", "--short", "HEAD"], root);
  const dirty = quiet("git", ["status", "--porcelain", "--", "src", "wrangler.toml"], root) !== "";
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${prettyName}, Linux ${release()}`,
    loadAverage: loadavg()
      .map((value) => value.toFixed(2))
      .join(" "),
    versions: {
      node: process.version,
      workerd: packageVersion(root, "workerd"),
      wrangler: packageVersion(root, "wrangler"),
      hono: packageVersion(root, "hono"),
      jose: packageVersion(root, "jose"),
    },
    commit: commit === "" ? "unknown" : `${commit}${dirty ? " + uncommitted changes in src/" : ""}`,
  };
}
