/**
 * `npm run soak -- --minutes N`: the bundled worker under a fixed rate (open loop) for N minutes,
 * with production-like KV and provider waits throughout and, in the middle, a key rotation, a
 * provider outage and a KV stall. Reports per phase: requests, 5xx, valid tokens refused, p50/p99;
 * and memory over time: edge-auth's isolate heap (read through workerd's inspector every 10 s) and
 * workerd's resident set (the whole process, stand-in provider and KV included).
 * Expected: 0 × 5xx, 0 valid tokens refused, a heap under a flat ceiling. Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROTECTED_PATH } from "./harness.ts";
import { heapBytes } from "./inspector.ts";
import { ms, quantile, runOpenLoop, type Sample } from "./open-loop.ts";
import { buildModules, KV_DELAY, PROVIDER_DELAY, residentBytes, startRig } from "./rig.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "100" },
  },
});
const totalMs = Number(args.minutes) * 60_000;
const rate = Number(args.rate);
const say = (line: string) => console.log(`[soak] ${line}`);

/** The phases, as fractions of the run: faults in the middle, steady before and after. */
const PHASES = [
  { name: "steady", until: 0.3 },
  { name: "key rotation", until: 0.4 },
  { name: "provider outage", until: 0.55 },
  { name: "KV stall (1.5 s per read)", until: 0.7 },
  { name: "recovered", until: 1 },
] as const;
type PhaseName = (typeof PHASES)[number]["name"];
const phaseAt = (dueMs: number): PhaseName =>
  (PHASES.find((phase) => dueMs < phase.until * totalMs) ?? PHASES[4]).name;

const dir = mkdtempSync(join(tmpdir(), "edge-auth-soak-"));
try {
  const modules = await buildModules(dir);
  const rig = await startRig(dir, modules, { inspector: true });
  try {
    const provider = { delay: PROVIDER_DELAY, seed: 7 };
    const kv = { delay: KV_DELAY, seed: 8 };
    await rig.setFaults(provider, kv);
    say(
      `${args.minutes} min at ${rate}/s against ${rig.gate}; phases: ${PHASES.map((p) => p.name).join(" → ")}`,
    );
    const url = `${rig.gate}${PROTECTED_PATH}`;
    // A pool of valid tokens reused in turn (some hit the verified-token cache, most do not), and
    // after the rotation, tokens of the new key: all valid, so every refusal is a false reject.
    const pool = (count: number) => Array.from({ length: count }, (_, i) => rig.token(i));
    let tokens = pool(1024);
    const rotatedTokens = rig.tokensOfNextKey(1024);
    const heap: { atMs: number; rssBytes: number | undefined }[] = [];
    let current: PhaseName = "steady";
    const startedAt = performance.now();
    const isolateHeap: { atMs: number; usedBytes: number }[] = [];
    const heapReader = setInterval(async () => {
      const atMs = performance.now() - startedAt;
      const usage = await heapBytes(rig.inspectorPort as number, "edge-auth").catch(() => undefined);
      if (usage) isolateHeap.push({ atMs, usedBytes: usage.used });
    }, 10_000);
    const ticker = setInterval(async () => {
      const atMs = performance.now() - startedAt;
      heap.push({ atMs, rssBytes: await residentBytes(rig.workerd.child.pid) });
      const phase = phaseAt(atMs);
      if (phase === current) return;
      current = phase;
      say(`${(atMs / 1000).toFixed(0)} s: ${phase}`);
      if (phase === "key rotation") {
        await rig.rotateKey();
        tokens = rotatedTokens;
      } else if (phase === "provider outage") await rig.setFaults({ ...provider, outage: true }, kv);
      else if (phase.startsWith("KV stall")) await rig.setFaults(provider, { ...kv, stallMs: 1500 });
      else await rig.setFaults(provider, kv);
    }, 250);
    const samples: Sample[] = await runOpenLoop({
      ratePerSecond: rate,
      durationMs: totalMs,
      send: async (index) => {
        const response = await fetch(url, {
          headers: { authorization: `Bearer ${tokens[index % tokens.length]}` },
        });
        await response.body?.cancel();
        return { status: response.status, tag: "" };
      },
    });
    clearInterval(ticker);
    clearInterval(heapReader);
    heap.push({ atMs: performance.now() - startedAt, rssBytes: await residentBytes(rig.workerd.child.pid) });

    console.log("");
    console.log("| phase | requests | 5xx | valid tokens refused (4xx) | network errors | p50 | p99 |");
    console.log("|---|---|---|---|---|---|---|");
    for (const phase of PHASES) {
      const inPhase = samples.filter((sample) => phaseAt(sample.dueMs) === phase.name);
      const latencies = inPhase.map((sample) => sample.latencyMs);
      const count = (test: (status: number) => boolean) => inPhase.filter((s) => test(s.status)).length;
      console.log(
        `| ${phase.name} | ${inPhase.length} | ${count((s) => s >= 500)} | ${count((s) => s >= 400 && s < 500)} | ${count((s) => s === 0)} | ${ms(quantile(latencies, 0.5))} | ${ms(quantile(latencies, 0.99))} |`,
      );
    }
    const mib = (bytes: number | undefined) =>
      bytes === undefined ? "?" : `${(bytes / 1048576).toFixed(1)} MiB`;
    const step = Math.max(1, Math.floor(heap.length / 10));
    console.log("");
    const heapStep = Math.max(1, Math.floor(isolateHeap.length / 12));
    console.log(
      `edge-auth isolate heap (used, as read; V8 collects on its own): ${isolateHeap
        .filter((_, i) => i % heapStep === 0 || i === isolateHeap.length - 1)
        .map((point) => `${(point.atMs / 1000).toFixed(0)} s ${mib(point.usedBytes)}`)
        .join(", ")}; largest ${mib(Math.max(...isolateHeap.map((point) => point.usedBytes)))}`,
    );
    console.log(
      `workerd RSS (the whole process): ${heap
        .filter((_, i) => i % step === 0 || i === heap.length - 1)
        .map((point) => `${(point.atMs / 1000).toFixed(0)} s ${mib(point.rssBytes)}`)
        .join(", ")}`,
    );
    const total5xx = samples.filter((s) => s.status >= 500).length;
    const refused = samples.filter((s) => s.status >= 400 && s.status < 500).length;
    say(`${samples.length} requests: ${total5xx} × 5xx, ${refused} valid tokens refused`);
    if (total5xx > 0 || refused > 0) process.exitCode = 1;
  } finally {
    await rig.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
