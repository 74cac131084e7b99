/**
 * Load generation on loopback, bounded in time: wrk (apt-get install wrk) when it is installed, else
 * autocannon (a devDependency). Every request may carry the next value of one header from a file, so
 * a pool of distinct tokens gives a different token on every request.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runBounded } from "./processes.ts";

export interface LoadSpec {
  readonly port: number;
  readonly path: string;
  readonly header?: { readonly name: string; readonly valuesFile: string };
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  /** Responses with a status of 400 or more. */
  readonly failedResponses: number;
}

export interface LoadGenerator {
  readonly name: string;
  readonly version: string;
  run(spec: LoadSpec): Promise<LoadResult>;
}

export async function chooseLoadGenerator(root: string, prefer?: string): Promise<LoadGenerator> {
  if (prefer !== "autocannon") {
    const version = wrkVersion();
    if (version) return wrk(version, join(root, "bench/wrk/rotate-header.lua"));
    if (prefer === "wrk") throw new Error("wrk is not installed: apt-get install wrk");
  }
  try {
    const module = (await import("autocannon")) as { default: Autocannon };
    const pkg = JSON.parse(readFileSync(join(root, "node_modules/autocannon/package.json"), "utf8"));
    return autocannon(module.default, pkg.version as string);
  } catch {
    throw new Error("no load generator: install wrk (apt-get install wrk) or run npm install (autocannon)");
  }
}

function wrkVersion(): string | undefined {
  try {
    execFileSync("wrk", ["--version"], { stdio: "pipe" });
  } catch (error) {
    // wrk prints its version and exits 1.
    const out = String((error as { stdout?: Buffer }).stdout ?? "");
    const match = /wrk (\S+)/.exec(out);
    if (match) return match[1];
  }
  return undefined;
}

function wrk(version: string, luaScript: string): LoadGenerator {
  return {
    name: "wrk",
    version,
    async run(spec) {
      const args = [
        "-t1",
        `-c${spec.connections}`,
        `-d${spec.durationSeconds}s`,
        "--timeout",
        "5s",
        "-s",
        luaScript,
        `http://127.0.0.1:${spec.port}`,
        "--",
        spec.path,
        spec.header?.name ?? "",
        spec.header?.valuesFile ?? "",
      ];
      const out = await runBounded("wrk", args, (spec.durationSeconds + 15) * 1000);
      const line = out
        .split("\n")
        .reverse()
        .find((candidate) => candidate.startsWith("{"));
      if (!line) throw new Error(`wrk printed no summary:\n${out}`);
      const r = JSON.parse(line) as Record<string, number>;
      const seconds = (r.durationUs as number) / 1e6;
      return {
        requests: r.requests as number,
        rps: (r.requests as number) / seconds,
        p50Ms: (r.p50Us as number) / 1000,
        p99Ms: (r.p99Us as number) / 1000,
        errors: (r.connect as number) + (r.read as number) + (r.write as number) + (r.timeout as number),
        failedResponses: r.status as number,
      };
    },
  };
}

type Autocannon = (options: Record<string, unknown>) => Promise<{
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "4xx": number;
  "5xx": number;
}>;

function autocannon(run: Autocannon, version: string): LoadGenerator {
  return {
    name: "autocannon",
    version,
    async run(spec) {
      const values = spec.header
        ? readFileSync(spec.header.valuesFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
        : [];
      let index = 0;
      const result = await run({
        url: `http://127.0.0.1:${spec.port}`,
        connections: spec.connections,
        duration: spec.durationSeconds,
        timeout: 5,
        requests: [
          {
            method: "GET",
            path: spec.path,
            setupRequest: (request: { headers?: Record<string, string> }) => {
              if (!spec.header || values.length === 0) return request;
              const value = values[index] as string;
              index = (index + 1) % values.length;
              return { ...request, headers: { ...request.headers, [spec.header.name]: value } };
            },
          },
        ],
      });
      return {
        requests: result.requests.total,
        rps: result.requests.total / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts,
        failedResponses: result["4xx"] + result["5xx"],
      };
    },
  };
}
