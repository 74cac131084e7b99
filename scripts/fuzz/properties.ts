import fc from "fast-check";
import { gateNeverLaxerProperty, ownPathsProperty } from "../../test/property/route-readings.ts";

/**
 * Runs the route matcher's properties (test/property/route-readings.ts, run with a fixed seed by
 * `npm test`) with this run's seed; returns one line per failure with the seed and fast-check's path,
 * so that it can be replayed (`{ seed, path }`) and pinned as an example.
 */
export function runRouteProperties(seed: number, numRuns: number): string[] {
  const parameters = { seed, numRuns };
  return [
    failureOf(
      "no path admitted under a laxer rule than any reading",
      fc.check(gateNeverLaxerProperty, parameters),
    ),
    failureOf("every pattern's own path stays under its rule", fc.check(ownPathsProperty, parameters)),
  ].filter((line) => line !== undefined);
}

function failureOf<T>(name: string, details: fc.RunDetails<T>): string | undefined {
  if (!details.failed) return undefined;
  return `${name}: seed ${details.seed}, path ${JSON.stringify(details.counterexamplePath)}, counterexample ${fc.stringify(details.counterexample)}: ${String(details.errorInstance)}`;
}
