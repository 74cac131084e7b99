/** The samples of a run reduced to one summary per case: medians, and ratios taken within each round. */
import type { BundleSize } from "./build.ts";
import type { ColdCase } from "./cold-start.ts";
import type { Machine } from "./machine.ts";
import { type Case, median, medianCpuRatio, medianRatio, type Sample } from "./measure.ts";

export interface BenchResults {
  readonly machine: Machine;
  readonly loadAtEnd: string;
  readonly generator: { readonly name: string; readonly version: string };
  readonly settings: {
    readonly rounds: number;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly connections: number;
    readonly poolSize: number;
    readonly compatibilityDate: string;
    readonly baselineRef?: string;
  };
  readonly bundles: Readonly<Record<string, BundleSize>>;
  readonly cases: readonly Case[];
  readonly samples: Readonly<Record<string, readonly Sample[]>>;
  readonly cold: readonly ColdCase[];
  readonly session: { readonly available: boolean; readonly reason?: string };
  readonly totalSeconds: number;
}

export interface CaseSummary {
  readonly case: Case;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly toCeiling: number;
  readonly toFloor: number;
  readonly toBaseline: number;
  /** CPU µs the workerd process spent per request, and the same ratios computed from CPU time. */
  readonly cpuUs: number;
  readonly cpuToCeiling: number;
  readonly cpuToFloor: number;
  readonly cpuToBaseline: number;
  readonly providerFetchesPer1k: number;
  readonly kvReadsPerRequest: number;
  /** KV reads per second of load: a periodic refresh reads at a steady rate whatever the request rate. */
  readonly kvReadsPerSecond: number;
  readonly failed: number;
}

export function summarize(results: BenchResults): CaseSummary[] {
  return results.cases.map((c) => {
    const mine = results.samples[c.id] ?? [];
    const requests = mine.reduce((sum, s) => sum + s.load.requests, 0);
    return {
      case: c,
      rps: median(mine.map((s) => s.load.rps)),
      p50Ms: median(mine.map((s) => s.load.p50Ms)),
      p99Ms: median(mine.map((s) => s.load.p99Ms)),
      toCeiling: c.ceiling ? medianRatio(mine, results.samples[c.ceiling]) : Number.NaN,
      toFloor: c.floor ? medianRatio(mine, results.samples[c.floor]) : Number.NaN,
      toBaseline: c.baseline ? medianRatio(mine, results.samples[c.baseline]) : Number.NaN,
      cpuUs: median(mine.map((s) => s.cpuUsPerRequest)),
      cpuToCeiling: c.ceiling ? medianCpuRatio(mine, results.samples[c.ceiling]) : Number.NaN,
      cpuToFloor: c.floor ? medianCpuRatio(mine, results.samples[c.floor]) : Number.NaN,
      cpuToBaseline: c.baseline ? medianCpuRatio(mine, results.samples[c.baseline]) : Number.NaN,
      providerFetchesPer1k:
        requests > 0 ? (mine.reduce((sum, s) => sum + s.providerFetches, 0) / requests) * 1000 : 0,
      kvReadsPerRequest: requests > 0 ? mine.reduce((sum, s) => sum + s.kvReads, 0) / requests : 0,
      kvReadsPerSecond: perSecondOfLoad(mine, (s) => s.kvReads),
      failed: mine.reduce((sum, s) => sum + s.load.failedResponses + s.load.errors, 0),
    };
  });
}

/** A count per second of load, over every sample of a case (each sample's seconds: requests ÷ rate). */
function perSecondOfLoad(samples: readonly Sample[], count: (sample: Sample) => number): number {
  const seconds = samples.reduce((sum, s) => sum + (s.load.rps > 0 ? s.load.requests / s.load.rps : 0), 0);
  return seconds > 0 ? samples.reduce((sum, s) => sum + count(s), 0) / seconds : 0;
}
