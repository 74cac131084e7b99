import type { Failure } from "../failure.ts";
import type { Runtime } from "../platform.ts";
import type { Result } from "../result.ts";
import type { VerificationKey } from "./key-set.ts";
import type { KeyTier } from "./vocabulary.ts";

/** The keys a lookup found for a token, and where they came from. */
export interface KeyMatch {
  /** Keys that may have signed the token: the one with its kid, or every key that fits alg. */
  readonly keys: readonly VerificationKey[];
  readonly tier: KeyTier;
  readonly ageSeconds: number;
}

/** Where the verifier gets the issuer's keys for a token's `kid` and `alg` (the `KeyCache` in the worker). */
export interface KeySource {
  keysFor(rt: Runtime, kid: string | undefined, alg: string): Promise<Result<KeyMatch, Failure>>;
  /** For a token without a kid whose candidates all failed: keys a forced refresh brought (optional). */
  keysAfterSignatureMiss?(
    rt: Runtime,
    alg: string,
    tried: readonly VerificationKey[],
  ): Promise<Result<KeyMatch, Failure>>;
}
