/**
 * `npm run bench -- --latency`: latency as users feel it. Each round starts a fresh workerd (a cold
 * isolate, empty KV) whose stand-in provider and KV wait as production does (rig.ts: KV 5–50 ms,
 * provider 50–300 ms, 1% tail up to 4×, seeded), then times the first request, steady state at a
 * fixed rate (open loop), requests during a key rotation, and a sign-in's callback. Prints p50/p99 per
 * case. Not part of `npm test`; numbers from a busy machine are noise.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROTECTED_PATH } from "./harness.ts";
import { ms, quantile, runOpenLoop } from "./open-loop.ts";
import { buildModules, KV_DELAY, PROVIDER_DELAY, startRig } from "./rig.ts";
import { signInForSessionCookie } from "./session.ts";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    latency: { type: "boolean" },
    quick: { type: "boolean", default: false },
    rounds: { type: "string", default: "8" },
    rate: { type: "string", default: "50" },
    seconds: { type: "string", default: "5" },
    keep: { type: "boolean", default: false },
  },
});
const rounds = args.quick ? 2 : Number(args.rounds);
const rate = Number(args.rate);
const steadyMs = (args.quick ? 2 : Number(args.seconds)) * 1000;
const say = (line: string) => console.log(`[latency] ${line}`);

type CaseName =
  | "cold first request"
  | "steady state"
  | "new key (unknown kid)"
  | "old key during refresh"
  | "sign-in callback";
const results = new Map<CaseName, number[]>();
const statuses = new Map<CaseName, number[]>();
const record = (name: CaseName, latencyMs: number, status: number) => {
  results.set(name, [...(results.get(name) ?? []), latencyMs]);
  statuses.set(name, [...(statuses.get(name) ?? []), status]);
};

async function timed(url: string, token: string): Promise<{ ms: number; status: number }> {
  const startedAt = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return { ms: performance.now() - startedAt, status: response.status };
}

const dir = mkdtempSync(join(tmpdir(), "edge-auth-latency-"));
try {
  say(
    `KV ${KV_DELAY.minMs}–${KV_DELAY.maxMs} ms, provider ${PROVIDER_DELAY.minMs}–${PROVIDER_DELAY.maxMs} ms, ${PROVIDER_DELAY.tailProbability * 100}% tail up to ${PROVIDER_DELAY.tailFactor}×; ${rounds} rounds, steady ${rate}/s for ${steadyMs / 1000} s`,
  );
  const modules = await buildModules(dir);
  let next = 0;
  for (let round = 0; round < rounds; round++) {
    const rig = await startRig(dir, modules);
    try {
      await rig.setFaults(
        { delay: PROVIDER_DELAY, seed: 1 + round },
        { delay: KV_DELAY, seed: 1001 + round },
      );
      const url = `${rig.gate}${PROTECTED_PATH}`;
      const cold = await timed(url, rig.token(next++));
      record("cold first request", cold.ms, cold.status);

      // Minted before the clock starts: Node's signing is not the gate's latency.
      const steadyTokens = Array.from({ length: Math.ceil((rate * steadyMs) / 1000) }, () =>
        rig.token(next++),
      );
      const steady = await runOpenLoop({
        ratePerSecond: rate,
        durationMs: steadyMs,
        send: async (index) => {
          const r = await timed(url, steadyTokens[index] as string);
          return { status: r.status, tag: "steady" };
        },
      });
      for (const sample of steady) record("steady state", sample.latencyMs, sample.status);

      const oldTokens = Array.from({ length: 5 }, () => rig.token(next++));
      await rig.rotateKey();
      const [fresh, ...during] = await Promise.all([
        timed(url, rig.token(next++)),
        ...oldTokens.map(async (token, i) => {
          await new Promise((resolve) => setTimeout(resolve, 5 + i * 20));
          return timed(url, token);
        }),
      ]);
      if (fresh) record("new key (unknown kid)", fresh.ms, fresh.status);
      for (const r of during) record("old key during refresh", r.ms, r.status);

      let callbackMs: number | undefined;
      const session = await signInForSessionCookie(rig.gate, PROTECTED_PATH, (path, hopMs) => {
        if (path === "/auth/callback") callbackMs = hopMs;
      });
      if (callbackMs !== undefined) record("sign-in callback", callbackMs, session.ok ? 200 : 0);
      else
        say(`round ${round + 1}: sign-in did not reach the callback (${session.ok ? "?" : session.reason})`);
    } finally {
      await rig.stop();
    }
    say(`round ${round + 1}/${rounds} done`);
  }
  console.log("");
  console.log("| case | samples | p50 | p99 | max | not 2xx/3xx |");
  console.log("|---|---|---|---|---|---|");
  for (const [name, values] of results) {
    const bad = (statuses.get(name) ?? []).filter((status) => status === 0 || status >= 400).length;
    console.log(
      `| ${name} | ${values.length} | ${ms(quantile(values, 0.5))} | ${ms(quantile(values, 0.99))} | ${ms(Math.max(...values))} | ${bad} |`,
    );
  }
  console.log("");
  say("with few samples p99 is the maximum; on a shared machine every number is noisy.");
} finally {
  if (args.keep) say(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
