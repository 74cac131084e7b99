/**
 * Runs the route matcher's properties (test/property/route-readings.ts) with a random seed, then throws
 * mutated tokens and headers at the real worker (bundled as for deployment, run under
 * Miniflare 4) for N seconds, with a fake issuer and a recording origin on loopback, then prints counts
 * by status, by the worker's log reason and by mutation. Exits non-zero on any 5xx, on any identity
 * header that reached the origin for a mutated token or a public route, on a spoofed header that
 * got through, or on a property that failed (the seed is printed with every failure). Only 127.0.0.1; bounded in time; every process it starts is stopped.
 *
 *   npm run fuzz -- --seconds 30 [--concurrency 8] [--seed 42] [--property-runs 10000]
 */

import type { webcrypto } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateKeyPair, SignJWT } from "jose";
import { Headers as MiniflareHeaders } from "miniflare";
import { generateIssuerKeys, type IssuerKey, startIssuer, startOrigin } from "./fuzz/loopback.ts";
import { nextCase, seededRandom, type TokenPool } from "./fuzz/mutations.ts";
import { runRouteProperties } from "./fuzz/properties.ts";
import { bump, judge, printReport, type Tally } from "./fuzz/report.ts";
import { bundleWorker, type RunningWorker, startWorker } from "./fuzz/worker.ts";

const CLIENT_ID = "fuzz-client";
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    concurrency: { type: "string", default: "8" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    "property-runs": { type: "string", default: "10000" },
  },
});
const seconds = Math.min(Math.max(Number(values.seconds), 1), 3600);
const concurrency = Math.min(Math.max(Number(values.concurrency), 1), 64);
const seed = Number(values.seed);
const propertyRuns = Math.min(Math.max(Number(values["property-runs"]), 1), 1_000_000);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function tokenPool(issuer: string, keys: readonly IssuerKey[]): Promise<TokenPool> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const sign = (key: { alg: string; kid: string; privateKey: webcrypto.CryptoKey }, sub: string) =>
    new SignJWT({ sub, email: `${sub}@example.com`, groups: ["staff"] })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + seconds + 3600)
      .sign(key.privateKey);
  const valid: { token: string; sub: string }[] = [];
  const forged: string[] = [];
  for (const key of keys) {
    const attacker = { ...key, privateKey: (await generateKeyPair(key.alg)).privateKey };
    for (let i = 0; i < 5; i++) {
      valid.push({ token: await sign(key, `user-${key.kid}-${i}`), sub: `user-${key.kid}-${i}` });
      forged.push(await sign(attacker, "admin"));
    }
  }
  return { valid, forged };
}

async function main(): Promise<number> {
  const started: { close(): Promise<void> }[] = [];
  let worker: RunningWorker | undefined;
  const workdir = await mkdtemp(join(tmpdir(), "edge-auth-fuzz-"));
  const cleanup = async () => {
    await worker?.dispose().catch(() => {});
    await Promise.all(started.map((server) => server.close().catch(() => {})));
    await rm(workdir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    console.log(`route matcher properties: ${propertyRuns} runs each, seed ${seed} …`);
    const propertyFailures = runRouteProperties(seed, propertyRuns);
    for (const line of propertyFailures) console.log(`  FAILED ${line}`);
    if (propertyFailures.length === 0) console.log(`  OK (seed ${seed})`);
    const keys = await generateIssuerKeys();
    const issuer = await startIssuer(keys);
    started.push(issuer);
    const origin = await startOrigin();
    started.push(origin);
    console.log(`bundling the worker (wrangler deploy --dry-run) …`);
    const script = await bundleWorker(root, workdir);
    const reasons = new Map<string, string>();
    worker = await startWorker(
      script,
      {
        OIDC_ISSUER: issuer.url,
        OIDC_CLIENT_ID: CLIENT_ID,
        ORIGIN_URL: origin.url,
        AUTH_ROUTES: [
          { pattern: "/public/*", access: "public" },
          { pattern: "*", unauthenticated: "401" },
        ],
      },
      (line) => {
        if (line.event === "decision" && typeof line.requestId === "string")
          reasons.set(line.requestId, String(line.reason ?? line.outcome));
        if (line.event === "misconfigured") console.error("worker misconfigured:", line.problems);
      },
    );
    const pool = await tokenPool(issuer.url, keys);
    const random = seededRandom(seed);
    const tally: Tally = {
      byStatus: new Map(),
      byKind: new Map(),
      failures: [],
      unexpected: [],
      requestIds: new Map(),
    };
    console.log(`fuzzing for ${seconds}s with ${concurrency} concurrent requests, seed ${seed} …`);

    const startedAt = Date.now();
    const deadline = startedAt + seconds * 1000;
    let serial = 0;
    const lane = async () => {
      while (Date.now() < deadline) {
        const n = ++serial;
        const id = `fuzz-${n}`;
        const fuzzCase = nextCase(random, pool, n);
        tally.requestIds.set(id, fuzzCase);
        const headers = new MiniflareHeaders([
          ["x-fuzz-id", id],
          ["cf-ray", id],
        ]);
        let status = "transport error";
        try {
          for (const [name, value] of fuzzCase.headers) headers.append(name, value);
          const response = await worker!.miniflare.dispatchFetch(`http://fuzz.test${fuzzCase.path}`, {
            headers,
            redirect: "manual",
          });
          await response.arrayBuffer();
          status = String(response.status);
          judge(fuzzCase, id, response.status, origin.visits.get(id), tally);
        } catch (error) {
          status = `client refused: ${(error as Error).name}`;
        }
        bump(tally.byStatus, status);
        const kind = tally.byKind.get(fuzzCase.kind) ?? new Map<string, number>();
        bump(kind, status);
        tally.byKind.set(fuzzCase.kind, kind);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the last log lines arrive

    const failed = printReport(tally, reasons, {
      requests: serial,
      elapsedSeconds,
      issuerFetches: issuer.fetches(),
      seed,
    });
    if (propertyFailures.length > 0)
      console.log(
        `\nFAILED: ${propertyFailures.length} route matcher properties (seed ${seed}), listed above.`,
      );
    return failed || propertyFailures.length > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }
}

const watchdog = setTimeout(
  () => {
    console.error("fuzz: watchdog expired, exiting");
    process.exit(2);
  },
  (seconds + 180) * 1000,
);
watchdog.unref();
main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
