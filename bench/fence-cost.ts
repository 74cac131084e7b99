/**
 * What the revocation fence costs, inside workerd (Miniflare, the real Durable Object with SQLite), in
 * µs: a request's revocation check while nothing changed (within REVOCATION_FENCE_INTERVAL_MS) with
 * and without the fence bound, a check after the interval (one fence round trip), a bare
 * `changesSince` round trip, and recording one sign-out.
 *
 *   npm run bench:fence [-- --n=2000 --rounds=7]
 *
 * Each request runs one operation n times; a request is timed from Node and the median of a request
 * with n = 0 is subtracted. Rounds are interleaved; medians are printed. Locally the Durable Object
 * runs in the same process: a deployed one adds the network between the location and the object.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";
import { bundleWorker, readWranglerSettings } from "./build.ts";
import { median } from "./measure.ts";

const ROOT = resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: { n: { type: "string", default: "2000" }, rounds: { type: "string", default: "7" } },
});
const n = Number(args.n);
const rounds = Number(args.rounds);

const VARIANTS = [
  { id: "kv-only", label: "check, nothing changed, no fence bound", n: n * 10 },
  { id: "unchanged", label: "check, nothing changed, fence bound", n: n * 10 },
  { id: "interval", label: "check after the interval (fence asked)", n: n / 10 },
  { id: "rtt", label: "changesSince round trip alone", n: n / 10 },
  { id: "record", label: "record one sign-out", n: n / 10 },
] as const;

const dir = mkdtempSync(join(tmpdir(), "edge-auth-fence-bench-"));
const scriptPath = bundleWorker(ROOT, join(ROOT, "bench/workers/fence-cost.ts"), join(dir, "worker.js"));
const settings = readWranglerSettings(ROOT);
const mf = new Miniflare({
  modules: true,
  scriptPath,
  modulesRoot: dir,
  compatibilityDate: settings.compatibilityDate > "2026-07-01" ? "2026-07-01" : settings.compatibilityDate,
  compatibilityFlags: [...settings.compatibilityFlags],
  kvNamespaces: ["AUTH_KV"],
  durableObjects: { REVOCATION_FENCE: { className: "RevocationFence", useSQLite: true } },
});

async function timeRequest(op: string, count: number): Promise<number> {
  const started = performance.now();
  const response = await mf.dispatchFetch(`http://bench.local/?op=${op}&n=${count}`);
  if (!response.ok) throw new Error(`${op}: ${response.status} ${await response.text()}`);
  await response.text();
  return performance.now() - started;
}

try {
  for (const variant of VARIANTS) await timeRequest(variant.id, Math.min(variant.n, 50)); // warm up
  const samples = new Map<string, number[]>(VARIANTS.map((variant) => [variant.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) {
      const empty = await timeRequest("none", 0);
      const full = await timeRequest(variant.id, variant.n);
      samples.get(variant.id)?.push(((full - empty) * 1000) / variant.n);
    }
  }
  console.log(
    `µs per operation inside workerd (median of ${rounds} rounds; n = ${n}, checks ×10, fence calls ÷10)`,
  );
  for (const variant of VARIANTS)
    console.log(
      `  ${variant.label.padEnd(44)} ${median(samples.get(variant.id) ?? [])
        .toFixed(2)
        .padStart(8)}`,
    );
} finally {
  await mf.dispose();
  rmSync(dir, { recursive: true, force: true });
}
