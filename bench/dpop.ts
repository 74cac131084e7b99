/**
 * `npm run bench:dpop`: the per-request cost of DPoP in workerd (Miniflare), printed as µs per
 * operation: the whole proof verification (verifyDpopProof, ES256), the floor it stands on (one
 * ES256 crypto.subtle.verify), one replay-store call through the Durable Object, and the server-nonce
 * check that DPOP_NONCE = "required" adds (warm, at a window's first request, in a cold isolate). Each step runs
 * `n` times per request; the time of a request with n = 0 is subtracted; medians of several rounds.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { Miniflare } from "miniflare";
import { bundleWorker, readWranglerSettings } from "./build.ts";

const ROOT = resolve(import.meta.dirname, "..");
const ROUNDS = 7;
const MINIFLARE_NEWEST_DATE = "2026-08-01";
const dir = mkdtempSync(join(tmpdir(), "edge-auth-dpop-bench-"));
const script = bundleWorker(ROOT, join(ROOT, "bench/workers/dpop-micro.ts"), join(dir, "dpop-micro.js"));
const settings = readWranglerSettings(ROOT);
const mf = new Miniflare({
  modules: true,
  scriptPath: script,
  modulesRoot: dir,
  // The pinned Miniflare's workerd is older than wrangler.toml's date; nothing measured here depends on it.
  compatibilityDate: MINIFLARE_NEWEST_DATE,
  compatibilityFlags: [...settings.compatibilityFlags],
  durableObjects: { DPOP_REPLAY: { className: "DpopReplayObject", useSQLite: true } },
  durableObjectsPersist: false,
});

const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = await exportJWK(publicKey);
const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJlLW9mLWEtYmVuY2gtdG9rZW4";
const htu = "https://api.example.com/orders";
const iat = Math.floor(Date.now() / 1000);
const proof = await new SignJWT({
  jti: "bench",
  htm: "GET",
  htu,
  iat,
  ath: createHash("sha256").update(token).digest("base64url"),
})
  .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk })
  .sign(privateKey);
const body = JSON.stringify({ proof, token, htu, iat, jwk });

async function timeRequest(path: string, n: number): Promise<number> {
  const started = performance.now();
  const response = await mf.dispatchFetch(`http://bench.test${path}?n=${n}`, { method: "POST", body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text}`);
  return performance.now() - started;
}

async function microsecondsPerOp(path: string, n: number): Promise<number> {
  await timeRequest(path, n); // warm up
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const empty = await timeRequest(path, 0);
    const full = await timeRequest(path, n);
    samples.push(((full - empty) * 1000) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

try {
  const floor = await microsecondsPerOp("/floor", 2000);
  const verify = await microsecondsPerOp("/verify", 2000);
  const replay = await microsecondsPerOp("/replay", 500);
  const nonce = await microsecondsPerOp("/nonce", 2000);
  const nonceWindow = await microsecondsPerOp("/nonce-window", 2000);
  const nonceCold = await microsecondsPerOp("/nonce-cold", 1000);
  console.log("DPoP per-request cost in workerd (Miniflare), median of %d rounds, µs per operation:", ROUNDS);
  console.log(`  ES256 crypto.subtle.verify (the floor)         ${floor.toFixed(1)}`);
  console.log(
    `  verifyDpopProof, ES256, in full                ${verify.toFixed(1)}  (${(verify / floor).toFixed(2)}× the floor)`,
  );
  console.log(`  replay store: one Durable Object call (seen)   ${replay.toFixed(1)}`);
  console.log(`  DPOP_NONCE check, warm isolate                 ${nonce.toFixed(1)}`);
  console.log(`  DPOP_NONCE check, a window's first request     ${nonceWindow.toFixed(1)}`);
  console.log(`  DPOP_NONCE check, cold isolate (key derived)   ${nonceCold.toFixed(1)}`);
} finally {
  await mf.dispose();
  rmSync(dir, { recursive: true, force: true });
}
