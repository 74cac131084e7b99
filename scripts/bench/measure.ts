/**
 * Runs the load cases interleaved — every case once per round, rounds alternating forward and
 * backward (A B C, C B A, A B C) — so that drift of a shared machine lands on every case alike and
 * cancels in ratios taken within a round. Each sample also records provider fetches and KV reads
 * during its window.
 */
import { type KvCounts, providerFetchesBetween, readJson, type UpstreamCounts } from "./harness.ts";
import type { LoadGenerator, LoadResult } from "./load.ts";

export type Section = "main" | "scaling" | "concurrency";

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
  /** … and, for scaling cases, the case it scales from. */
  readonly baseline?: string;
  /** Average size of the credential sent (bytes of the header value). */
  readonly credentialBytes?: number;
}

export interface Sample {
  readonly round: number;
  readonly load: LoadResult;
  readonly providerFetches: number;
  readonly kvReads: number;
}

export interface MeasureOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly generator: LoadGenerator;
  readonly upstreamStatsUrl: string;
  readonly kvStatsUrl: string;
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
  const load = await run(c, options.durationSeconds, options);
  const upstreamAfter = await readJson<UpstreamCounts>(options.upstreamStatsUrl);
  const kvAfter = await readJson<KvCounts>(options.kvStatsUrl);
  return {
    round,
    load,
    providerFetches: providerFetchesBetween(upstreamBefore, upstreamAfter),
    kvReads: kvAfter.reads - kvBefore.reads,
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
  if (!theirs) return Number.NaN;
  const ratios: number[] = [];
  for (const sample of mine) {
    const other = theirs.find((candidate) => candidate.round === sample.round);
    if (other && other.load.rps > 0) ratios.push(sample.load.rps / other.load.rps);
  }
  return median(ratios);
}
