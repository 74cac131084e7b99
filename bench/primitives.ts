/**
 * `npm run bench:primitives`: what the Workers runtime operations a gated request cannot avoid cost
 * inside workerd, in µs each — copying and editing headers, building the outgoing Request and the
 * private Response, the decision log line, random ids — next to nothing else, so the per-request
 * floor of any gate that does them is known (docs/benchmarks.md, "Where the time goes").
 *
 *   npm run bench:primitives [-- --n=20000 --rounds=5]
 *
 * One `workerd serve` (stdout to /dev/null, as the main bench); each request runs one operation n
 * times, timed from Node; the time of a request with n = 0 is subtracted; rounds interleaved; medians.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundleWorker, readWranglerSettings } from "./build.ts";
import { writeText } from "./harness.ts";
import { median } from "./measure.ts";
import { freePort, startWorkerd } from "./processes.ts";
import { renderConfig } from "./workerd-config.ts";

const ROOT = resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: { n: { type: "string", default: "20000" }, rounds: { type: "string", default: "5" } },
});
const n = Number(args.n);
const rounds = Number(args.rounds);

const dir = mkdtempSync(join(tmpdir(), "edge-auth-primitives-"));
try {
  bundleWorker(ROOT, join(ROOT, "bench/workers/primitives.ts"), join(dir, "primitives.js"));
  const { OPERATION_NAMES } = (await import(join(ROOT, "bench/workers/primitives.ts"))) as {
    OPERATION_NAMES: string[];
  };
  const { compatibilityDate } = readWranglerSettings(ROOT);
  const { compatibilityDate: newestDate } = (await import("workerd")) as { compatibilityDate: string };
  const port = await freePort();
  const config = writeText(
    join(dir, "primitives.capnp"),
    renderConfig(
      [
        {
          name: "primitives",
          module: "primitives.js",
          compatibilityDate: [compatibilityDate, newestDate].sort()[0] as string,
        },
      ],
      [{ name: "primitives", port, service: "primitives" }],
    ),
  );
  const workerd = await startWorkerd(
    join(ROOT, "node_modules/.bin/workerd"),
    config,
    [port],
    join(dir, "workerd.log"),
    false,
  );
  // A request like a browser's: a bearer token and the usual dozen headers.
  const headers = {
    authorization: `Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.${"e".repeat(900)}.${"s".repeat(342)}`,
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
    accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "accept-language": "en-GB,en;q=0.9",
    "accept-encoding": "gzip, deflate, br",
    "sec-fetch-mode": "navigate",
    "sec-fetch-site": "same-origin",
    "sec-fetch-dest": "document",
    cookie: "theme=dark; _ga=GA1.1.123456789.1700000000",
    referer: "https://app.example.com/",
  };
  const time = async (op: string, count: number) => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/?op=${encodeURIComponent(op)}&n=${count}`, {
      headers,
    });
    if (!response.ok) throw new Error(`${op}: ${response.status} ${await response.text()}`);
    await response.text();
    return performance.now() - started;
  };
  try {
    for (const op of OPERATION_NAMES) await time(op, Math.min(n, 1000)); // warm up
    const samples = new Map<string, number[]>(OPERATION_NAMES.map((op) => [op, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? OPERATION_NAMES : [...OPERATION_NAMES].reverse();
      for (const op of order) {
        const empty = await time("none", n);
        const full = await time(op, n);
        samples.get(op)?.push(((full - empty) * 1000) / n);
      }
    }
    console.log(
      `| operation (inside workerd, request with ${Object.keys(headers).length + 1} headers) | µs each |`,
    );
    console.log("| --- | --- |");
    for (const op of OPERATION_NAMES)
      console.log(`| \`${op}\` | ${median(samples.get(op) ?? []).toFixed(2)} |`);
    console.log(`\n(median of ${rounds} rounds × ${n} operations; an empty loop subtracted)`);
  } finally {
    await workerd.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
