/**
 * One `workerd serve` process with edge-auth (10 routes), the stand-in provider and the in-memory
 * KV, for `--latency` and `npm run soak`: the runner drives it over loopback, sets the provider's and
 * KV's waits and faults (workers/delay.ts) and rotates the provider's keys. A new rig is a cold
 * isolate with empty KV.
 */
import { join, resolve } from "node:path";
import { bundleEdgeAuth, bundleWorker, readWranglerSettings } from "./build.ts";
import { assemble, CLIENT_ID, edgeAuthVars, routeRules, writeOriginSite, writeText } from "./harness.ts";
import { freePort, startWorkerd, type Workerd } from "./processes.ts";
import { type Alg, type BenchKey, claimsFor, jwksOf, makeKey, signToken } from "./tokens.ts";
import { renderConfig } from "./workerd-config.ts";
import type { DelayProfile, Faults } from "./workers/delay.ts";

export const ROOT = resolve(import.meta.dirname, "..");

/** Production-like waits (issue targets): KV 5–50 ms, provider 50–300 ms, 1% tail up to 4× the max. */
export const KV_DELAY: DelayProfile = { minMs: 5, maxMs: 50, tailProbability: 0.01, tailFactor: 4 };
export const PROVIDER_DELAY: DelayProfile = { minMs: 50, maxMs: 300, tailProbability: 0.01, tailFactor: 4 };

export interface Modules {
  readonly edgeAuth: string;
  readonly upstream: string;
  readonly kv: string;
  readonly compatibility: { readonly date: string; readonly flags: readonly string[] };
}

/** Bundles the three workers once; every rig reuses them. */
export async function buildModules(dir: string): Promise<Modules> {
  const wrangler = readWranglerSettings(ROOT);
  const { compatibilityDate: newestDate } = (await import("workerd")) as { compatibilityDate: string };
  const worker = (name: string) =>
    bundleWorker(ROOT, join(ROOT, "bench/workers", `${name}.ts`), join(dir, "build", `${name}.js`));
  return {
    edgeAuth: bundleEdgeAuth(ROOT, join(dir, "dist")),
    upstream: worker("upstream"),
    kv: worker("kv-store"),
    compatibility: {
      date: [wrangler.compatibilityDate, newestDate].sort()[0] as string,
      flags: wrangler.compatibilityFlags,
    },
  };
}

export interface Rig {
  readonly gate: string;
  readonly upstream: string;
  readonly kv: string;
  readonly issuer: string;
  readonly workerd: Workerd;
  /** workerd's inspector port, when the rig was started with one. */
  readonly inspectorPort: number | undefined;
  /** A valid token signed by the provider's current key, distinct per `index`. */
  token(index: number): string;
  /** Sets the waits and faults of the provider and of KV. */
  setFaults(provider: Faults, kv: Faults): Promise<void>;
  /** Valid tokens of the key the next rotation brings in, minted ahead (signing blocks Node). */
  tokensOfNextKey(count: number): string[];
  /** A new signing key; the provider publishes it next to the old one, and new tokens use it. */
  rotateKey(): Promise<void>;
  stop(): Promise<void>;
}

let rigCount = 0;

export interface RigOptions {
  /** Start workerd with its inspector on a free port (heap readings, profiles). */
  readonly inspector?: boolean;
  /** The provider's signing algorithm (ES256 tokens are much quicker to mint in bulk). */
  readonly alg?: Alg;
}

export async function startRig(dir: string, modules: Modules, options: RigOptions = {}): Promise<Rig> {
  const rigDir = join(dir, `rig-${rigCount++}`);
  const alg = options.alg ?? "RS256";
  const ports = { gate: await freePort(), upstream: await freePort(), kv: await freePort() };
  const upstream = `http://127.0.0.1:${ports.upstream}`;
  const issuer = `${upstream}/idp`;
  let keys: BenchKey[] = [await makeKey(alg, "key-1")];
  let nextKey = await makeKey(alg, "key-2");
  const defs = [
    {
      name: "upstream",
      module: "upstream",
      port: ports.upstream,
      bindings: [
        {
          name: "SETUP",
          json: {
            issuers: [
              {
                path: "/idp",
                issuer,
                clientId: CLIENT_ID,
                jwks: jwksOf(keys),
                signingJwk: keys[0]?.privateJwk,
              },
            ],
          },
        },
      ],
    },
    { name: "kv", module: "kv-store", port: ports.kv, bindings: [] },
    {
      name: "edge-auth",
      module: "edge-auth",
      port: ports.gate,
      bindings: edgeAuthVars(issuer, routeRules(10)),
      outbound: "upstream",
    },
  ];
  const site = writeOriginSite(rigDir);
  const parts = assemble(
    rigDir,
    { "edge-auth": modules.edgeAuth, upstream: modules.upstream, "kv-store": modules.kv },
    defs,
    modules.compatibility,
    [{ name: "origin", disk: site }],
  );
  const config = writeText(join(rigDir, "rig.capnp"), renderConfig(parts.services, parts.sockets));
  const inspectorPort = options.inspector ? await freePort() : undefined;
  const workerd = await startWorkerd(
    join(ROOT, "node_modules/.bin/workerd"),
    config,
    parts.sockets.map((socket) => socket.port),
    join(rigDir, "workerd.log"),
    false,
    inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${inspectorPort}`],
  );
  const post = async (url: string, body: unknown) => {
    const response = await fetch(url, { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    await response.body?.cancel();
  };
  const nowSeconds = Math.floor(Date.now() / 1000);
  return {
    gate: `http://127.0.0.1:${ports.gate}`,
    upstream,
    kv: `http://127.0.0.1:${ports.kv}`,
    issuer,
    workerd,
    inspectorPort,
    token: (index) =>
      signToken(
        keys[keys.length - 1] as BenchKey,
        claimsFor(
          { issuer, clientId: CLIENT_ID, keys, count: 1, nowSeconds, lifetimeSeconds: 86_400 },
          index,
        ),
      ),
    async setFaults(provider, kv) {
      await post(`${upstream}/__bench/faults`, provider);
      await post(`http://127.0.0.1:${ports.kv}/__bench/faults`, kv);
    },
    tokensOfNextKey: (count) =>
      Array.from({ length: count }, (_, index) =>
        signToken(
          nextKey,
          claimsFor(
            { issuer, clientId: CLIENT_ID, keys, count: 1, nowSeconds, lifetimeSeconds: 86_400 },
            index,
          ),
        ),
      ),
    async rotateKey() {
      keys = [...keys.slice(-1), nextKey];
      await post(`${upstream}/__bench/jwks?path=/idp`, jwksOf(keys));
      nextKey = await makeKey(alg, `key-${keys.length + 1}-${Date.now()}`);
    },
    stop: workerd.stop,
  };
}

/** The resident memory of a process in bytes (Linux /proc), or undefined. */
export async function residentBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const { readFileSync } = await import("node:fs");
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
