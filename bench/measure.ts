/**
 * Runs the load cases interleaved — every case once per round, rounds alternating forward and
 * backward (A B C, C B A, A B C) — so that drift of a shared machine lands on every case alike and
 * cancels in ratios taken within a round. Each sample also records provider fetches and KV reads
 * during its window.
 */
import { type KvCounts, providerFetchesBetween, readJson, type UpstreamCounts } from "./harness.ts";
import type { LoadGenerator, LoadResult } from "./load.ts";

export type Section = "main" | "scaling" | "concurrency" | "baseline";

export interface Case {
  readonly id: string;
  readonly label: string;
  readonly section: Section;
  readonly port: number;
  readonly path: string;
  readonly header?: { readonly name: string; readonly valuesFile: string };
  readonly connections: number;
  /** Case measured in the same rounds that this one is divided by: the ceiling (a) … */
  readonly ceiling?: string;
  /** … the floor (b) of the same algorithm … */
  readonly floor?: string;
  /** … and, for scaling cases, the case it scales from (for baseline cases: the same case now). */
  readonly baseline?: string;
  /** Average size of the credential sent (bytes of the header value). */
  readonly credentialBytes?: number;
}

export interface Sample {
  readonly round: number;
  readonly load: LoadResult;
  readonly providerFetches: number;
  readonly kvReads: number;
  /** CPU time the workerd process spent per request during the window (every isolate and thread). */
  readonly cpuUsPerRequest: number;
}

export interface MeasureOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly generator: LoadGenerator;
  readonly upstreamStatsUrl: string;
  readonly kvStatsUrl: string;
  /** CPU time used so far by the process serving the variants, in ns (undefined if unknown). */
  readonly cpuTimeNs: () => number | undefined;
  readonly progress: (line: string) => void;
}

export async function measureInterleaved(
  cases: readonly Case[],
  options: MeasureOptions,
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.id, []]));
  if (options.warmupSeconds > 0) {
    options.progress(`warm-up: ${cases.length} cases × ${options.warmupSeconds} s`);
    for (const c of cases) await run(c, options.warmupSeconds, options);
  }
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const c of order) {
      const sample = await measureOnce(c, round, options);
      samples.get(c.id)?.push(sample);
      const failed = sample.load.failedResponses + sample.load.errors;
      options.progress(
        `round ${round + 1}/${options.rounds}  ${c.id.padEnd(22)} ${Math.round(sample.load.rps)
          .toString()
          .padStart(
            6,
          )} req/s  p50 ${sample.load.p50Ms.toFixed(2)} ms  p99 ${sample.load.p99Ms.toFixed(2)} ms${
          failed > 0 ? `  FAILED ${failed}` : ""
        }`,
      );
    }
  }
  return samples;
}

function run(c: Case, durationSeconds: number, options: MeasureOptions): Promise<LoadResult> {
  return options.generator.run({
    port: c.port,
    path: c.path,
    connections: c.connections,
    durationSeconds,
    ...(c.header ? { header: c.header } : {}),
  });
}

async function measureOnce(c: Case, round: number, options: MeasureOptions): Promise<Sample> {
  const upstreamBefore = await readJson<UpstreamCounts>(options.upstreamStatsUrl);
  const kvBefore = await readJson<KvCounts>(options.kvStatsUrl);
  const cpuBefore = options.cpuTimeNs();
  const load = await run(c, options.durationSeconds, options);
  const cpuAfter = options.cpuTimeNs();
  const upstreamAfter = await readJson<UpstreamCounts>(options.upstreamStatsUrl);
  const kvAfter = await readJson<KvCounts>(options.kvStatsUrl);
  return {
    round,
    load,
    providerFetches: providerFetchesBetween(upstreamBefore, upstreamAfter),
    kvReads: kvAfter.reads - kvBefore.reads,
    cpuUsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || load.requests === 0
        ? Number.NaN
        : (cpuAfter - cpuBefore) / 1000 / load.requests,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median over rounds of (this case's req/s ÷ the other case's req/s in the same round). */
export function medianRatio(mine: readonly Sample[], theirs: readonly Sample[] | undefined): number {
  return median(ratiosByRound(mine, theirs, (sample) => sample.load.rps));
}

/**
 * The same in CPU time: median over rounds of (the other case's CPU µs per request ÷ this case's), so
 * that, like a throughput ratio, more than 1 means cheaper. Less disturbed than req/s when other
 * processes compete for the cores, since time spent waiting for a core is not counted.
 */
export function medianCpuRatio(mine: readonly Sample[], theirs: readonly Sample[] | undefined): number {
  return median(ratiosByRound(mine, theirs, (sample) => 1 / sample.cpuUsPerRequest));
}

export function ratiosByRound(
  mine: readonly Sample[],
  theirs: readonly Sample[] | undefined,
  measure: (sample: Sample) => number,
): number[] {
  if (!theirs) return [];
  const ratios: number[] = [];
  for (const sample of mine) {
    const other = theirs.find((candidate) => candidate.round === sample.round);
    if (!other) continue;
    const value = measure(sample) / measure(other);
    if (Number.isFinite(value) && value > 0) ratios.push(value);
  }
  return ratios;
}
