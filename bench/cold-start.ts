/**
 * Variant (g): the first request a brand-new isolate serves, in a fresh `workerd` process each time,
 * with the keys fetched from the provider (KV empty) or found in KV (KV primed by an earlier isolate).
 * The cold process reaches the upstream and the KV store over loopback TCP, like a real network hop.
 * Whether a build has a KV tier is observed, not assumed: if a primed KV is never read, the case is
 * reported as not available in this build.
 */
import { join } from "node:path";
import {
  edgeAuthVars,
  type KvCounts,
  PROTECTED_PATH,
  providerFetchesBetween,
  readJson,
  routeRules,
  type UpstreamCounts,
  writeText,
} from "./harness.ts";
import { freePort, startWorkerd } from "./processes.ts";
import { renderConfig } from "./workerd-config.ts";

export interface ColdContext {
  readonly dir: string;
  readonly workerdBin: string;
  readonly compatibility: { readonly date: string; readonly flags: readonly string[] };
  readonly issuer: string;
  readonly originSite: string;
  readonly upstreamPort: number;
  readonly kvPort: number;
  /** `Bearer …` values; each sample takes two unused ones. */
  readonly bearers: readonly string[];
}

export interface ColdSample {
  readonly startupMs: number;
  readonly firstStatus: number;
  readonly firstMs: number;
  readonly secondMs: number;
  readonly providerFetches: number;
  readonly kvReads: number;
  readonly kvWrites: number;
}

export interface ColdCase {
  readonly id: "provider" | "kv";
  readonly label: string;
  readonly samples: readonly ColdSample[];
  /** Why the case could not be measured in this build. */
  readonly unavailable?: string;
}

export async function measureColdStarts(context: ColdContext, sampleCount: number): Promise<ColdCase[]> {
  let next = 0;
  const takeBearer = () => context.bearers[next++ % context.bearers.length] as string;
  const upstream = `http://127.0.0.1:${context.upstreamPort}`;
  const kv = `http://127.0.0.1:${context.kvPort}`;

  const fromProvider: ColdSample[] = [];
  for (let i = 0; i < sampleCount; i++) {
    await readJson(`${kv}/__bench/clear`);
    fromProvider.push(await coldSample(context, takeBearer, upstream, kv));
  }

  // Prime KV with whatever a cold isolate stores there (background writes included), then measure.
  await readJson(`${kv}/__bench/clear`);
  await coldSample(context, takeBearer, upstream, kv, 500);
  const primed = await readJson<KvCounts>(`${kv}/__bench/stats`);
  const fromKv: ColdSample[] = [];
  let unavailable: string | undefined;
  if (primed.keys === 0) {
    unavailable = "not available in this build: a cold isolate wrote nothing to KV";
  } else {
    for (let i = 0; i < sampleCount; i++) fromKv.push(await coldSample(context, takeBearer, upstream, kv));
    if (fromKv.every((sample) => sample.kvReads === 0))
      unavailable = "not available in this build: a cold isolate never read the keys from KV";
  }
  return [
    { id: "provider", label: "cold isolate, keys fetched from the provider", samples: fromProvider },
    {
      id: "kv",
      label: "cold isolate, keys in KV",
      samples: fromKv,
      ...(unavailable === undefined ? {} : { unavailable }),
    },
  ];
}

async function coldSample(
  context: ColdContext,
  takeBearer: () => string,
  upstream: string,
  kv: string,
  settleMs = 0,
): Promise<ColdSample> {
  const port = await freePort();
  const config = renderConfig(
    [
      { name: "upstream", external: `127.0.0.1:${context.upstreamPort}` },
      { name: "kv", external: `127.0.0.1:${context.kvPort}` },
      { name: "origin", disk: context.originSite },
      {
        name: "edge-auth",
        module: "edge-auth.js",
        compatibilityDate: context.compatibility.date,
        compatibilityFlags: context.compatibility.flags,
        bindings: edgeAuthVars(context.issuer, routeRules(10)),
        globalOutbound: "upstream",
      },
    ],
    [{ name: "edge-auth", port, service: "edge-auth" }],
  );
  const configPath = writeText(join(context.dir, "cold.capnp"), config);
  const beforeUpstream = await readJson<UpstreamCounts>(`${upstream}/__bench/stats`);
  const beforeKv = await readJson<KvCounts>(`${kv}/__bench/stats`);
  const workerd = await startWorkerd(
    context.workerdBin,
    configPath,
    [port],
    join(context.dir, "cold.log"),
    false,
  );
  try {
    const first = await timedGet(port, takeBearer());
    const second = await timedGet(port, takeBearer());
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    const afterUpstream = await readJson<UpstreamCounts>(`${upstream}/__bench/stats`);
    const afterKv = await readJson<KvCounts>(`${kv}/__bench/stats`);
    return {
      startupMs: workerd.startupMs,
      firstStatus: first.status,
      firstMs: first.ms,
      secondMs: second.ms,
      providerFetches: providerFetchesBetween(beforeUpstream, afterUpstream),
      kvReads: afterKv.reads - beforeKv.reads,
      kvWrites: afterKv.writes - beforeKv.writes,
    };
  } finally {
    await workerd.stop();
  }
}

async function timedGet(port: number, bearer: string): Promise<{ status: number; ms: number }> {
  const startedAt = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}${PROTECTED_PATH}`, {
    headers: { authorization: bearer },
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - startedAt };
}
