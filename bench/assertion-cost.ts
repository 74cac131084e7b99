/**
 * What the signed identity assertion costs per request, inside workerd (Miniflare), in µs:
 * attaching a reused assertion (the steady state), attaching a newly signed one (edge-auth's own
 * signer: crypto.subtle with a pre-imported key and a pre-encoded header), and the same claims
 * signed with jose's SignJWT, for ES256 and EdDSA.
 *
 *   npm run bench:assertion [-- --n=2000 --rounds=7]
 *
 * Each request runs one operation n times; a request is timed from Node (workerd's clock does not
 * advance during computation) and the median of a request with n = 0 is subtracted. Rounds are
 * interleaved so a busy machine weighs on every variant alike; medians are printed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair } from "jose";
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
  { id: "reuse-ES256", label: "attach a reused assertion (ES256 key)", op: "reuse", alg: "ES256", n: n * 10 },
  { id: "reuse-EdDSA", label: "attach a reused assertion (EdDSA key)", op: "reuse", alg: "EdDSA", n: n * 10 },
  { id: "sign-ES256", label: "attach a newly signed assertion, ES256", op: "sign", alg: "ES256", n },
  { id: "sign-EdDSA", label: "attach a newly signed assertion, EdDSA", op: "sign", alg: "EdDSA", n },
  { id: "jose-ES256", label: "jose SignJWT alone, ES256", op: "jose", alg: "ES256", n },
  { id: "jose-EdDSA", label: "jose SignJWT alone, EdDSA", op: "jose", alg: "EdDSA", n },
] as const;

async function privateJwk(alg: "ES256" | "EdDSA"): Promise<string> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}

const dir = mkdtempSync(join(tmpdir(), "edge-auth-assertion-bench-"));
const scriptPath = bundleWorker(ROOT, join(ROOT, "bench/workers/assertion-cost.ts"), join(dir, "worker.js"));
const settings = readWranglerSettings(ROOT);
const mf = new Miniflare({
  modules: true,
  scriptPath,
  modulesRoot: dir,
  compatibilityDate: settings.compatibilityDate > "2026-07-01" ? "2026-07-01" : settings.compatibilityDate,
  compatibilityFlags: [...settings.compatibilityFlags],
  bindings: { ES256_KEY: await privateJwk("ES256"), EDDSA_KEY: await privateJwk("EdDSA") },
});

async function timeRequest(op: string, alg: string, count: number): Promise<number> {
  const started = performance.now();
  const response = await mf.dispatchFetch(`http://bench.local/?op=${op}&alg=${alg}&n=${count}`);
  if (!response.ok) throw new Error(`${op} ${alg}: ${response.status} ${await response.text()}`);
  await response.text();
  return performance.now() - started;
}

try {
  for (const variant of VARIANTS) await timeRequest(variant.op, variant.alg, Math.min(variant.n, 200)); // warm up
  const samples = new Map<string, number[]>(VARIANTS.map((variant) => [variant.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) {
      const empty = await timeRequest("none", variant.alg, 0);
      const full = await timeRequest(variant.op, variant.alg, variant.n);
      samples.get(variant.id)?.push(((full - empty) * 1000) / variant.n);
    }
  }
  console.log(`µs per operation inside workerd (median of ${rounds} rounds; n = ${n}, reuse ×10)`);
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
