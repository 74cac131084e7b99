/**
 * `npm run bench:memory`: the isolate's heap while distinct credentials and paths stream through the
 * bundled worker — by default 1,000,000 distinct valid tokens (each sent twice in a row: a token is
 * kept the second time it is verified), 100,000 sign-ins (sessions) and 10,000 distinct paths — read through workerd's inspector at each tenth of each phase (as it stands: the
 * inspector cannot force a collection, so a reading includes garbage V8 has not collected yet). Every
 * cache a request can grow is bounded; this shows the heap staying under a ceiling (the isolate limit
 * is 128 MB). Provider and KV answer at once (no waits).
 * Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROTECTED_PATH } from "./harness.ts";
import { heapBytes } from "./inspector.ts";
import { buildModules, type Rig, startRig } from "./rig.ts";
import { signInForSessionCookie } from "./session.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    tokens: { type: "string", default: "1000000" },
    sessions: { type: "string", default: "100000" },
    paths: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "32" },
  },
});
const counts = { tokens: Number(args.tokens), sessions: Number(args.sessions), paths: Number(args.paths) };
const concurrency = Number(args.concurrency);
const say = (line: string) => console.log(`[memory] ${line}`);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

interface Reading {
  readonly phase: string;
  readonly done: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
}

/** Runs `count` units of work, `concurrency` at a time, calling `checkpoint` after each tenth. */
async function drive(
  count: number,
  work: (index: number) => Promise<boolean>,
  checkpoint: (done: number) => Promise<void>,
): Promise<{ failed: number }> {
  let next = 0;
  let failed = 0;
  const tenth = Math.max(1, Math.ceil(count / 10));
  while (next < count) {
    const end = Math.min(count, next + tenth);
    const lanes = Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const index = next++;
        if (!(await work(index).catch(() => false))) failed++;
      }
    });
    await Promise.all(lanes);
    await checkpoint(end);
  }
  return { failed };
}

async function forwarded(url: string, headers: Record<string, string>): Promise<boolean> {
  const response = await fetch(url, { headers });
  await response.body?.cancel();
  // 200 from the origin's file, 404 for a path the origin has no file for: both forwarded.
  return response.status === 200 || response.status === 404;
}

async function measure(rig: Rig): Promise<{ readings: Reading[]; failures: Record<string, number> }> {
  const port = rig.inspectorPort as number;
  const readings: Reading[] = [];
  const read = async (phase: string, done: number) => {
    const heap = await heapBytes(port, "edge-auth");
    readings.push({ phase, done, heapUsed: heap.used, heapTotal: heap.total });
    say(`${phase} ${done.toLocaleString("en")}: heap ${mib(heap.used)} used, ${mib(heap.total)} total`);
  };
  const url = `${rig.gate}${PROTECTED_PATH}`;
  // The isolate exists, its keys are loaded.
  await forwarded(url, { authorization: `Bearer ${rig.token(0)}` });
  await read("start", 0);
  const failures: Record<string, number> = {};
  const tokens = await drive(
    counts.tokens * 2,
    (index) => forwarded(url, { authorization: `Bearer ${rig.token(Math.floor(index / 2) + 1)}` }),
    (done) => read("distinct tokens", Math.floor(done / 2)),
  );
  failures.tokens = tokens.failed;
  const sessions = await drive(
    counts.sessions,
    async () => (await signInForSessionCookie(rig.gate, PROTECTED_PATH)).ok,
    (done) => read("sign-ins (sessions)", done),
  );
  failures.sessions = sessions.failed;
  const repeated = { authorization: `Bearer ${rig.token(0)}` };
  const paths = await drive(
    counts.paths,
    (index) => forwarded(`${rig.gate}${PROTECTED_PATH}/${index}?q=${index}`, repeated),
    (done) => read("distinct paths", done),
  );
  failures.paths = paths.failed;
  return { readings, failures };
}

const dir = mkdtempSync(join(tmpdir(), "edge-auth-memory-"));
try {
  const modules = await buildModules(dir);
  const rig = await startRig(dir, modules, { inspector: true, alg: "ES256" });
  try {
    say(
      `${counts.tokens.toLocaleString("en")} distinct tokens, ${counts.sessions.toLocaleString("en")} sign-ins, ${counts.paths.toLocaleString("en")} distinct paths; ${concurrency} at a time`,
    );
    const startedAt = performance.now();
    const { readings, failures } = await measure(rig);
    const peak = Math.max(...readings.map((r) => r.heapUsed));
    console.log("");
    console.log("| after | heap used | heap total |");
    console.log("|---|---|---|");
    for (const r of readings)
      console.log(`| ${r.phase} ${r.done.toLocaleString("en")} | ${mib(r.heapUsed)} | ${mib(r.heapTotal)} |`);
    console.log("");
    say(
      `largest heap reading ${mib(peak)} (isolate limit 128 MB); requests not forwarded: tokens ${failures.tokens}, sessions ${failures.sessions}, paths ${failures.paths}; ${((performance.now() - startedAt) / 1000).toFixed(0)} s`,
    );
    if (Object.values(failures).some((count) => count > 0)) process.exitCode = 1;
  } finally {
    await rig.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
