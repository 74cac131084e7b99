/**
 * Production-like waits for the bench's stand-in provider and KV (`npm run bench -- --latency`,
 * `npm run soak`): a seeded draw, uniform between `minMs` and `maxMs`, and with probability
 * `tailProbability` a tail of up to `tailFactor` × `maxMs`. Off (no wait) until the runner posts a
 * profile to `/__bench/faults`; an `outage` answers 503 at once, a `stallMs` adds a fixed wait.
 */

export interface DelayProfile {
  readonly minMs: number;
  readonly maxMs: number;
  readonly tailProbability: number;
  readonly tailFactor: number;
}

export interface Faults {
  readonly delay?: DelayProfile;
  readonly seed?: number;
  /** Every request answers 503 (the provider is down). */
  readonly outage?: boolean;
  /** Every request waits this long first (KV stalls). */
  readonly stallMs?: number;
}

let faults: Faults = {};
let state = 1;

/** Replaces the faults with the runner's (POST JSON to `/__bench/faults`). */
export async function setFaults(request: Request): Promise<Response> {
  faults = (await request.json()) as Faults;
  state = (faults.seed ?? 1) >>> 0 || 1;
  return Response.json({ faults });
}

/** Waits as the current faults say; answers 503 during an outage, undefined otherwise. */
export async function applyFaults(): Promise<Response | undefined> {
  const waitMs = (faults.stallMs ?? 0) + (faults.delay ? draw(faults.delay) : 0);
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  if (faults.outage) return new Response("bench: provider outage", { status: 503 });
  return undefined;
}

function draw(profile: DelayProfile): number {
  const base = profile.minMs + (profile.maxMs - profile.minMs) * next();
  if (next() >= profile.tailProbability) return base;
  return profile.maxMs * (1 + (profile.tailFactor - 1) * next());
}

/** mulberry32: a small seeded generator, so two runs draw the same waits. */
function next(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
