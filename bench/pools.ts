/** The keys and the pools of distinct bearer tokens every variant is driven with, made at run time. */
import { join } from "node:path";
import { DEFAULTS } from "../src/config/defaults.ts";
import { CLIENT_ID } from "./harness.ts";
import { type BenchKey, claimsFor, makeKey, mintPool, signToken, writeBearerFile } from "./tokens.ts";

const TOKEN_LIFETIME_SECONDS = 2 * 3600;
const TARGET_LARGE_TOKEN_BYTES = 8 * 1024;

export interface TokenPools {
  readonly rsKey: BenchKey;
  readonly esKey: BenchKey;
  readonly keys50: readonly BenchKey[];
  readonly poolSize: number;
  readonly pools: Readonly<Record<PoolName, readonly string[]>>;
  /** Each pool written one `Bearer …` header value per line, for the load generator. */
  readonly files: Readonly<Record<PoolName, string>>;
}

export type PoolName = "rs" | "es" | "rs8k" | "k50" | "repeat";

/** Signing keys for both issuers and the pools: RS256, ES256, 8 KB tokens, 50 keys, one repeated token. */
export async function makeTokenPools(dir: string, issuer: string, issuer50: string): Promise<TokenPools> {
  const rsKey = await makeKey("RS256", "rs-1");
  const esKey = await makeKey("ES256", "es-1");
  const keys50 = await Promise.all(
    Array.from({ length: 50 }, (_, i) => makeKey("RS256", `k50-${i.toString().padStart(2, "0")}`)),
  );
  const cacheMaxEntries = (DEFAULTS as Record<string, unknown>).verifiedTokenCacheMaxEntries;
  // Each pool must be larger than any verified-token cache, so a cycled pool never hits it.
  const poolSize = Math.max(2048, typeof cacheMaxEntries === "number" ? 2 * cacheMaxEntries + 1 : 0);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const spec = {
    issuer,
    clientId: CLIENT_ID,
    count: poolSize,
    nowSeconds,
    lifetimeSeconds: TOKEN_LIFETIME_SECONDS,
  };
  const baseToken = signToken(rsKey, claimsFor({ ...spec, keys: [rsKey] }, 0));
  const paddingGroups = Math.ceil((TARGET_LARGE_TOKEN_BYTES - baseToken.length) / ((13 * 4) / 3));
  const pools = {
    rs: mintPool({ ...spec, keys: [rsKey] }),
    es: mintPool({ ...spec, keys: [esKey] }),
    rs8k: mintPool({ ...spec, keys: [rsKey], paddingGroups }),
    k50: mintPool({ ...spec, issuer: issuer50, keys: keys50 }),
    repeat: [signToken(rsKey, claimsFor({ ...spec, keys: [rsKey] }, poolSize + 1))],
  };
  const files = Object.fromEntries(
    Object.entries(pools).map(([name, tokens]) => {
      const file = join(dir, `tokens-${name}.txt`);
      writeBearerFile(file, tokens);
      return [name, file];
    }),
  ) as Record<keyof typeof pools, string>;
  return { rsKey, esKey, keys50, poolSize, pools, files };
}

/** The mean length of a pool's tokens, in bytes. */
export function averageBytes(tokens: readonly string[]): number {
  return Math.round(tokens.reduce((sum, token) => sum + token.length, 0) / tokens.length);
}
