/**
 * `npm run bench`: how close edge-auth is to the limit. Builds the worker bundle, starts every variant
 * in one `workerd serve` process (with a fake provider and a cheap origin, all in-process), drives
 * each with wrk on loopback — interleaved, repeated, medians — then measures cold isolates, and
 * prints the table and writes docs/benchmarks.md and docs/benchmarks.svg. See docs/benchmarks.md.
 *
 * Options: --duration=S (per measurement, whole seconds, default 2) --rounds=N (5) --warmup=S (1)
 *          --connections=N (32) --only=id,id,… --load=wrk|autocannon --cold-samples=N (5)
 *          --baseline=<git ref> (also measure edge-auth as built at that ref, side by side)
 *          --quick (1 round of 2 s, for a smoke test) --no-write (print only) --keep (keep the temp dir)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULTS } from "../../src/config/defaults.ts";
import { bundleEdgeAuth, bundleEdgeAuthAt, bundleWorker, readWranglerSettings, sizeOf } from "./build.ts";
import { measureColdStarts } from "./cold-start.ts";
import {
  assemble,
  CLIENT_ID,
  edgeAuthVars,
  ORIGIN_BINDING,
  ORIGIN_BODY,
  PROTECTED_PATH,
  peerVars,
  routeRules,
  type WorkerDef,
  writeOriginSite,
  writeText,
} from "./harness.ts";
import { chooseLoadGenerator } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { type Case, measureInterleaved } from "./measure.ts";
import { cpuTimeNs, freePort, startWorkerd } from "./processes.ts";
import { printReport, writeReport } from "./report.ts";
import { signInForSessionCookie } from "./session.ts";
import type { BenchResults } from "./summary.ts";
import { type BenchKey, claimsFor, jwksOf, makeKey, mintPool, signToken, writeBearerFile } from "./tokens.ts";
import { renderConfig } from "./workerd-config.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TOKEN_LIFETIME_SECONDS = 2 * 3600;
const TARGET_LARGE_TOKEN_BYTES = 8 * 1024;

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "2" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    connections: { type: "string", default: "32" },
    only: { type: "string" },
    load: { type: "string" },
    baseline: { type: "string" },
    "cold-samples": { type: "string", default: "5" },
    quick: { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
// wrk takes whole seconds.
const durationSeconds = args.quick ? 2 : Math.max(1, Math.round(Number(args.duration)));
const rounds = args.quick ? 1 : Number(args.rounds);
const warmupSeconds = Number(args.warmup);
const connections = Number(args.connections);
const coldSamples = args.quick ? 2 : Number(args["cold-samples"]);

const say = (line: string) => console.log(`[bench] ${line}`);
const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0)} s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "edge-auth-bench-"));
  const stoppers: (() => Promise<void>)[] = [];
  try {
    await bench(dir, stoppers);
  } finally {
    for (const stop of stoppers) await stop();
    if (args.keep) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function bench(dir: string, stoppers: (() => Promise<void>)[]): Promise<void> {
  const machineAtStart = describeMachine(ROOT);
  const busy = loadavg()[0] ?? 0;
  if (busy > availableParallelism() / 2)
    say(
      `note: load average ${busy.toFixed(1)} on ${availableParallelism()} cores: other processes compete, so absolute numbers will be noisy (the ratios less so)`,
    );
  const generator = await chooseLoadGenerator(ROOT, args.load);
  say(
    `load generator: ${generator.name} ${generator.version}; ${rounds} rounds × ${durationSeconds} s per case`,
  );

  // 1. Bundles.
  const wrangler = readWranglerSettings(ROOT);
  const { compatibilityDate: newestDate } = (await import("workerd")) as { compatibilityDate: string };
  const compatibility = {
    // The configured date, unless it is newer than the installed workerd supports.
    date: [wrangler.compatibilityDate, newestDate].sort()[0] as string,
    flags: wrangler.compatibilityFlags,
  };
  const edgeAuthBundle = bundleEdgeAuth(ROOT, join(dir, "dist"));
  const workers = (name: string) =>
    bundleWorker(ROOT, join(ROOT, "scripts/bench/workers", `${name}.ts`), join(dir, "build", `${name}.js`));
  const modules: Record<string, string> = {
    "edge-auth": edgeAuthBundle,
    upstream: workers("upstream"),
    "kv-store": workers("kv-store"),
    passthrough: workers("passthrough"),
    floor: workers("floor"),
    "jose-remote": workers("jose-remote"),
    "hono-jwk": workers("hono-jwk"),
  };
  const baselineRef = args.baseline;
  if (baselineRef) modules["edge-auth-baseline"] = bundleEdgeAuthAt(ROOT, baselineRef, join(dir, "baseline"));
  const bundles: Record<string, ReturnType<typeof sizeOf>> = {
    "edge-auth": sizeOf(edgeAuthBundle),
    ...(baselineRef
      ? { [`edge-auth at ${baselineRef}`]: sizeOf(modules["edge-auth-baseline"] as string) }
      : {}),
    "jose-remote": sizeOf(modules["jose-remote"] as string),
    "hono-jwk": sizeOf(modules["hono-jwk"] as string),
  };
  say(
    `bundled edge-auth: ${bundles["edge-auth"]?.rawBytes} B, gzip ${bundles["edge-auth"]?.gzipBytes} B (${elapsed()})`,
  );

  // 2. Keys and tokens, made now.
  const ports = {
    upstream: await freePort(),
    kv: await freePort(),
  };
  const upstreamOrigin = `http://127.0.0.1:${ports.upstream}`;
  const issuer = `${upstreamOrigin}/idp`;
  const issuer50 = `${upstreamOrigin}/idp-k50`;
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
  const averageBytes = (tokens: readonly string[]) =>
    Math.round(tokens.reduce((sum, token) => sum + token.length, 0) / tokens.length);
  say(
    `minted ${poolSize} distinct tokens per pool (RS256 ~${averageBytes(pools.rs)} B, 8 KB pool ~${averageBytes(pools.rs8k)} B) (${elapsed()})`,
  );

  // 3. One workerd process with every variant.
  const port = async () => freePort();
  const variantPorts = {
    passthrough: await port(),
    floorRs: await port(),
    floorEs: await port(),
    edgeAuth: await port(),
    edgeAuthRoutes1000: await port(),
    edgeAuthKeys50: await port(),
    jose: await port(),
    hono: await port(),
    baseline: await port(),
    baselineRoutes1000: await port(),
  };
  const issuers = [
    { path: "/idp", issuer, clientId: CLIENT_ID, jwks: jwksOf([rsKey, esKey]), signingJwk: rsKey.privateJwk },
    { path: "/idp-k50", issuer: issuer50, clientId: CLIENT_ID, jwks: jwksOf(keys50) },
  ];
  const floorVars = (key: BenchKey) => [
    ORIGIN_BINDING,
    { name: "PUBLIC_JWK", json: key.publicJwk },
    { name: "ALG", text: key.alg },
  ];
  const defs: WorkerDef[] = [
    {
      name: "upstream",
      module: "upstream",
      port: ports.upstream,
      bindings: [{ name: "SETUP", json: { issuers } }],
    },
    { name: "kv", module: "kv-store", port: ports.kv, bindings: [] },
    {
      name: "passthrough",
      module: "passthrough",
      port: variantPorts.passthrough,
      bindings: [ORIGIN_BINDING],
      outbound: "upstream",
    },
    {
      name: "floor-rs256",
      module: "floor",
      port: variantPorts.floorRs,
      bindings: floorVars(rsKey),
      outbound: "upstream",
    },
    {
      name: "floor-es256",
      module: "floor",
      port: variantPorts.floorEs,
      bindings: floorVars(esKey),
      outbound: "upstream",
    },
    {
      name: "edge-auth",
      module: "edge-auth",
      port: variantPorts.edgeAuth,
      bindings: edgeAuthVars(issuer, routeRules(10)),
      outbound: "upstream",
    },
    {
      name: "edge-auth-routes1000",
      module: "edge-auth",
      port: variantPorts.edgeAuthRoutes1000,
      bindings: edgeAuthVars(issuer, routeRules(1000)),
      outbound: "upstream",
    },
    {
      name: "edge-auth-keys50",
      module: "edge-auth",
      port: variantPorts.edgeAuthKeys50,
      bindings: edgeAuthVars(issuer50, routeRules(10)),
      outbound: "upstream",
    },
    {
      name: "jose-remote",
      module: "jose-remote",
      port: variantPorts.jose,
      bindings: peerVars(issuer),
      outbound: "upstream",
    },
    {
      name: "hono-jwk",
      module: "hono-jwk",
      port: variantPorts.hono,
      bindings: peerVars(issuer),
      outbound: "upstream",
    },
  ];
  if (baselineRef)
    defs.push(
      {
        name: "edge-auth-baseline",
        module: "edge-auth-baseline",
        port: variantPorts.baseline,
        bindings: edgeAuthVars(issuer, routeRules(10)),
        outbound: "upstream",
      },
      {
        name: "edge-auth-baseline-routes1000",
        module: "edge-auth-baseline",
        port: variantPorts.baselineRoutes1000,
        bindings: edgeAuthVars(issuer, routeRules(1000)),
        outbound: "upstream",
      },
    );
  const originSite = writeOriginSite(dir);
  const parts = assemble(dir, modules, defs, compatibility, [{ name: "origin", disk: originSite }]);
  const configPath = writeText(join(dir, "bench.capnp"), renderConfig(parts.services, parts.sockets));
  const workerdBin = join(ROOT, "node_modules/.bin/workerd");
  const workerd = await startWorkerd(
    workerdBin,
    configPath,
    parts.sockets.map((socket) => socket.port),
    join(dir, "workerd.log"),
    Boolean(args.verbose),
  );
  stoppers.push(workerd.stop);
  say(
    `workerd serving ${parts.sockets.length} sockets (${Math.round(workerd.startupMs)} ms to start) (${elapsed()})`,
  );

  // 4. Every variant must forward a valid token and (except the pass-through) refuse a forged one.
  const firstOf = (file: string) => readFileSync(file, "utf8").split("\n", 1)[0] as string;
  const checks: [number, string, boolean][] = [
    [variantPorts.passthrough, files.rs, false],
    [variantPorts.floorRs, files.rs, true],
    [variantPorts.floorEs, files.es, true],
    [variantPorts.edgeAuth, files.rs, true],
    [variantPorts.edgeAuth, files.es, true],
    [variantPorts.edgeAuth, files.rs8k, true],
    [variantPorts.edgeAuthRoutes1000, files.rs, true],
    [variantPorts.edgeAuthKeys50, files.k50, true],
    [variantPorts.jose, files.rs, true],
    [variantPorts.jose, files.es, true],
    [variantPorts.hono, files.rs, true],
    ...(baselineRef ? [[variantPorts.baseline, files.rs, true] as [number, string, boolean]] : []),
  ];
  for (const [checkPort, file, gated] of checks) {
    const bearer = firstOf(file);
    const good = await fetch(`http://127.0.0.1:${checkPort}${PROTECTED_PATH}`, {
      headers: { authorization: bearer },
    });
    const goodBody = await good.text();
    const forged = `${bearer.slice(0, -6)}${bearer.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA"}`;
    const bad = await fetch(`http://127.0.0.1:${checkPort}${PROTECTED_PATH}`, {
      headers: { authorization: forged },
    });
    await bad.arrayBuffer();
    if (good.status !== 200 || goodBody !== ORIGIN_BODY || (gated && bad.status !== 401))
      throw new Error(
        `variant on port ${checkPort} is broken: valid token → ${good.status}, forged → ${bad.status}; see ${join(dir, "workerd.log")} (run with --keep)`,
      );
  }

  // 5. Variant (e) needs a browser session from edge-auth's own login flow, when the build has one.
  const session = await signInForSessionCookie(`http://127.0.0.1:${variantPorts.edgeAuth}`, PROTECTED_PATH);
  let sessionFile: string | undefined;
  if (session.ok) {
    sessionFile = join(dir, "cookie.txt");
    writeFileSync(sessionFile, `${session.cookie}\n`);
    say("signed in through /auth/login: measuring the session cookie");
  } else say(`(e) session cookie: not available in this build (${session.reason})`);

  // 6. The load cases, in interleaving order (compared cases next to each other).
  const bearer = (file: string) => ({ name: "Authorization", valuesFile: file });
  const bytes = {
    rs: averageBytes(pools.rs) + 7,
    es: averageBytes(pools.es) + 7,
    rs8k: averageBytes(pools.rs8k) + 7,
  };
  const at = (c: number, id: string) => (c === connections ? id : `${id}@c${c}`);
  const allCases: Case[] = [];
  for (const c of [connections, 1, 256]) {
    const section = c === connections ? "main" : "concurrency";
    const a = at(c, "a");
    const bRs = at(c, "b-rs256");
    const common = { path: PROTECTED_PATH, connections: c, section } as const;
    allCases.push(
      {
        ...common,
        id: a,
        label: "(a) pass-through, no auth (ceiling)",
        port: variantPorts.passthrough,
        header: bearer(files.rs),
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: bRs,
        label: "(b) floor: one crypto.subtle.verify, RS256",
        port: variantPorts.floorRs,
        header: bearer(files.rs),
        ceiling: a,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: at(c, "c-rs256"),
        label: "(c) edge-auth, bearer, new token each request, RS256",
        port: variantPorts.edgeAuth,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
    );
    if (c !== connections) continue;
    allCases.push(
      {
        ...common,
        section: "scaling",
        id: "c-routes1000",
        label: "(c) RS256 with 1,000 route rules (vs 10)",
        port: variantPorts.edgeAuthRoutes1000,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        section: "scaling",
        id: "c-keys50",
        label: "(c) RS256 with 50 keys in the JWKS (vs 2)",
        port: variantPorts.edgeAuthKeys50,
        header: bearer(files.k50),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: averageBytes(pools.k50) + 7,
      },
      {
        ...common,
        section: "scaling",
        id: "c-token8k",
        label: "(c) RS256 with 8 KB tokens (vs 1 KB)",
        port: variantPorts.edgeAuth,
        header: bearer(files.rs8k),
        ceiling: a,
        floor: bRs,
        baseline: "c-rs256",
        credentialBytes: bytes.rs8k,
      },
      {
        ...common,
        id: "f-jose-rs256",
        label: "(f) hand-written jose worker, RS256",
        port: variantPorts.jose,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: "f-hono-rs256",
        label: "(f) hono jwk middleware, RS256",
        port: variantPorts.hono,
        header: bearer(files.rs),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
      {
        ...common,
        id: "d-repeat",
        label: "(d) edge-auth, bearer, the same token repeated",
        port: variantPorts.edgeAuth,
        header: bearer(files.repeat),
        ceiling: a,
        floor: bRs,
        credentialBytes: bytes.rs,
      },
    );
    if (sessionFile)
      allCases.push({
        ...common,
        id: "e-session",
        label: "(e) edge-auth, browser session cookie",
        port: variantPorts.edgeAuth,
        header: { name: "Cookie", valuesFile: sessionFile },
        ceiling: a,
      });
    allCases.push(
      {
        ...common,
        id: "b-es256",
        label: "(b) floor: one crypto.subtle.verify, ES256",
        port: variantPorts.floorEs,
        header: bearer(files.es),
        ceiling: a,
        credentialBytes: bytes.es,
      },
      {
        ...common,
        id: "c-es256",
        label: "(c) edge-auth, bearer, new token each request, ES256",
        port: variantPorts.edgeAuth,
        header: bearer(files.es),
        ceiling: a,
        floor: "b-es256",
        credentialBytes: bytes.es,
      },
      {
        ...common,
        id: "f-jose-es256",
        label: "(f) hand-written jose worker, ES256",
        port: variantPorts.jose,
        header: bearer(files.es),
        ceiling: a,
        floor: "b-es256",
        credentialBytes: bytes.es,
      },
    );
  }
  if (baselineRef) {
    // Each compared case runs right after its counterpart in this tree.
    const baselinePorts: Record<string, number> = {
      "c-rs256": variantPorts.baseline,
      "d-repeat": variantPorts.baseline,
      "c-es256": variantPorts.baseline,
      "c-routes1000": variantPorts.baselineRoutes1000,
    };
    for (const [id, baselinePort] of Object.entries(baselinePorts)) {
      const index = allCases.findIndex((c) => c.id === id);
      const current = allCases[index];
      if (!current) continue;
      allCases.splice(index + 1, 0, {
        ...current,
        id: `${id}@baseline`,
        label: `${current.label} — at ${baselineRef}`,
        section: "baseline",
        port: baselinePort,
        baseline: id,
      });
    }
  }
  const only = args.only?.split(",").map((id) => id.trim());
  const cases = only ? allCases.filter((c) => only.some((id) => c.id === id || c.section === id)) : allCases;
  say(
    `${cases.length} cases; about ${Math.round(((cases.length * (rounds * (durationSeconds + 0.3) + warmupSeconds)) / 60) * 10) / 10} min of load (${elapsed()})`,
  );

  const samples = await measureInterleaved(cases, {
    rounds,
    durationSeconds,
    warmupSeconds,
    generator,
    upstreamStatsUrl: `${upstreamOrigin}/__bench/stats`,
    kvStatsUrl: `http://127.0.0.1:${ports.kv}/__bench/stats`,
    cpuTimeNs: () => cpuTimeNs(workerd.child.pid),
    progress: say,
  });

  // 7. Cold isolates.
  say(`cold isolates: ${coldSamples} fresh workerd processes per case (${elapsed()})`);
  const cold = await measureColdStarts(
    {
      dir,
      workerdBin,
      originSite,
      compatibility,
      issuer,
      upstreamPort: ports.upstream,
      kvPort: ports.kv,
      bearers: pools.rs.slice(0, 64).map((token) => `Bearer ${token}`),
    },
    coldSamples,
  );

  const results: BenchResults = {
    machine: machineAtStart,
    loadAtEnd: describeMachine(ROOT).loadAverage,
    generator: { name: generator.name, version: generator.version },
    settings: {
      rounds,
      durationSeconds,
      warmupSeconds,
      connections,
      poolSize,
      compatibilityDate: compatibility.date,
      ...(baselineRef ? { baselineRef } : {}),
    },
    bundles,
    cases,
    samples: Object.fromEntries(samples),
    cold,
    session: session.ok ? { available: true } : { available: false, reason: session.reason },
    totalSeconds: (performance.now() - startedAt) / 1000,
  };
  printReport(results);
  if (!args["no-write"] && !only && !args.quick && !baselineRef) {
    writeReport(ROOT, results);
    say("wrote docs/benchmarks.md and docs/benchmarks.svg");
  }
  writeFileSync(join(dir, "results.json"), JSON.stringify(results, null, 2));
  say(`done in ${elapsed()}`);
}

await main();
