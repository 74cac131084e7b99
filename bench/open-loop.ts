/**
 * Open-loop load from Node: request i is due at start + i / rate whatever happened to the ones
 * before, and its latency counts from when it was due, so a stalled gate shows in p99 instead of
 * slowing the sender down (no coordinated omission). For moderate rates (hundreds per second).
 */

export interface Sample {
  /** Milliseconds since the run started, when the request was due. */
  readonly dueMs: number;
  readonly latencyMs: number;
  /** HTTP status, or 0 for a network error. */
  readonly status: number;
  readonly tag: string;
}

export interface OpenLoopSpec {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Sends request `index`; returns its status and a tag (the phase, the kind of credential). */
  send(index: number): Promise<{ status: number; tag: string }>;
}

export async function runOpenLoop(spec: OpenLoopSpec): Promise<Sample[]> {
  const startedAt = performance.now();
  const total = Math.floor((spec.durationMs / 1000) * spec.ratePerSecond);
  const inFlight: Promise<Sample>[] = [];
  for (let index = 0; index < total; index++) {
    const dueMs = (index * 1000) / spec.ratePerSecond;
    const waitMs = startedAt + dueMs - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    inFlight.push(
      spec.send(index).then(
        ({ status, tag }) => ({ dueMs, latencyMs: performance.now() - startedAt - dueMs, status, tag }),
        () => ({ dueMs, latencyMs: performance.now() - startedAt - dueMs, status: 0, tag: "network_error" }),
      ),
    );
  }
  return Promise.all(inFlight);
}

/** The q-th quantile (0..1) of the values, nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export const ms = (value: number) => (Number.isNaN(value) ? "–" : `${value.toFixed(1)} ms`);
