import type { FuzzCase } from "./mutations.ts";

/** What the fuzzer counts, what it holds against the worker, and how it prints both. */

export interface Tally {
  byStatus: Map<string, number>;
  byKind: Map<string, Map<string, number>>;
  failures: string[];
  unexpected: string[];
  requestIds: Map<string, FuzzCase>;
}

export function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Judges one answer. Failures (the run fails): a 5xx; a spoofed value at the origin; an identity
 * header at the origin, or any forwarding, for a mutated token; an identity header on a public route.
 * An honest token that is not forwarded as its own sub is only "unexpected".
 */
export function judge(
  fuzzCase: FuzzCase,
  id: string,
  status: number,
  visit: { identity: Record<string, string> } | undefined,
  tally: Tally,
): void {
  const identity = visit?.identity ?? {};
  const spoofedArrived = Object.values(identity).some((value) => value.includes("spoofed"));
  const what = `${id} ${fuzzCase.kind} ${fuzzCase.path} → ${status}`;
  if (status >= 500) tally.failures.push(`5xx: ${what}`);
  if (spoofedArrived) tally.failures.push(`spoofed identity header reached the origin: ${what}`);
  if (fuzzCase.expect === "refuse" && Object.keys(identity).length > 0)
    tally.failures.push(`identity forwarded for a mutated token: ${what}`);
  if (fuzzCase.expect === "refuse" && status < 300) tally.failures.push(`mutated token forwarded: ${what}`);
  if (fuzzCase.expect === "public" && Object.keys(identity).length > 0)
    tally.failures.push(`identity header on a public route: ${what}`);
  if (fuzzCase.expect === "forward" && (status !== 200 || identity["x-auth-sub"] !== fuzzCase.sub))
    tally.unexpected.push(`valid token not forwarded as its sub: ${what}`);
}

export interface RunFacts {
  readonly requests: number;
  readonly elapsedSeconds: number;
  readonly issuerFetches: number;
  readonly seed: number;
}

/** Prints counts by status, by log reason and by mutation; returns whether the run failed. */
export function printReport(tally: Tally, reasons: ReadonlyMap<string, string>, facts: RunFacts): boolean {
  const { requests: serial, elapsedSeconds, seed } = facts;
  const byReason = new Map<string, number>();
  for (const id of tally.requestIds.keys()) bump(byReason, reasons.get(id) ?? "(no decision line)");
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  console.log(
    `\n${serial} requests in ${elapsedSeconds.toFixed(1)}s (${Math.round(serial / elapsedSeconds)}/s), issuer fetches: ${facts.issuerFetches}`,
  );
  console.log("\nby status:");
  for (const [status, count] of sorted(tally.byStatus)) console.log(`  ${status.padEnd(28)} ${count}`);
  console.log("\nby reason (the worker's decision log):");
  for (const [reason, count] of sorted(byReason)) console.log(`  ${reason.padEnd(28)} ${count}`);
  console.log("\nby mutation:");
  for (const [kind, statuses] of [...tally.byKind.entries()].sort())
    console.log(
      `  ${kind.padEnd(20)} ${sorted(statuses)
        .map(([s, c]) => `${s}×${c}`)
        .join("  ")}`,
    );
  if (tally.unexpected.length > 0) {
    console.log(`\n${tally.unexpected.length} unexpected (not a security failure):`);
    for (const line of tally.unexpected.slice(0, 10)) console.log(`  ${line}`);
  }
  if (tally.failures.length > 0) {
    console.log(`\nFAILED: ${tally.failures.length} (seed ${seed})`);
    for (const line of tally.failures.slice(0, 20)) console.log(`  ${line}`);
    return true;
  }
  console.log(
    `\nOK: no 5xx, no identity forwarded for a mutated token, no spoofed header through (seed ${seed}).`,
  );
  return false;
}
