/**
 * The seed of every fast-check property in `npm test`: a run repeats exactly, in CI and here. Random
 * seeds belong to `npm run fuzz`, which prints the seed of any failure; a failure found there becomes a
 * pinned example next to the property.
 */
export const PROPERTY_SEED = 20261201;

export function seededRuns(numRuns: number): { seed: number; numRuns: number } {
  return { seed: PROPERTY_SEED, numRuns };
}
