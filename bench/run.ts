/**
 * `npm run bench`: how close edge-auth is to the limit. Builds the worker bundle, starts every variant
 * in one `workerd serve` process (with a fake provider and a cheap origin, all in-process), drives
 * each with wrk on loopback — interleaved, repeated, medians — then measures cold isolates, and
 * prints the table and writes docs/benchmarks.md and docs/benchmarks.svg. See docs/benchmarks.md;
 * `npm run bench -- --help` lists the options (options.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleEdgeAuth, bundleEdgeAuthAt, bundleWorker, readWranglerSettings, sizeOf } from "./build.ts";
import { benchCases } from "./cases.ts";
import { measureColdStarts } from "./cold-start.ts";
import { assemble, PROTECTED_PATH, writeOriginSite, writeText } from "./harness.ts";
import { chooseLoadGenerator } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { measureInterleaved } from "./measure.ts";
import { type BenchOptions, parseBenchOptions, USAGE } from "./options.ts";
import { averageBytes, makeTokenPools } from "./pools.ts";
import { cpuTimeNs, freePort, startWorkerd } from "./processes.ts";
import { formatProfile, profileWhile, summariseProfile } from "./profile.ts";
import { printReport, writeReport } from "./report.ts";
import { signInForSessionCookie } from "./session.ts";
import type { BenchResults } from "./summary.ts";
import { allocateVariantPorts, checkVariants, variantDefs } from "./variants.ts";
import { renderConfig } from "./workerd-config.ts";

const ROOT = resolve(import.meta.dirname, "..");

// `--latency` is a mode of its own (latency.ts): production-like KV and provider waits, p50/p99.
if (process.argv.slice(2).includes("--latency")) {
  await import("./latency.ts");
  process.exit(0);
}

const parsed = parseBenchOptions(process.argv.slice(2));
if (parsed === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}
const options: BenchOptions = parsed;
const { durationSeconds, rounds, warmupSeconds, connections, coldSamples, only, baselineRef } = options;

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
    if (options.keep) say(`kept ${dir}`);
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
  const generator = await chooseLoadGenerator(ROOT, options.load);
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
  const workers = (name: string) =>
    bundleWorker(ROOT, join(ROOT, "bench/workers", `${name}.ts`), join(dir, "build", `${name}.js`));
  // A profile needs function names and esbuild's `// src/…` section comments: an unminified build.
  const edgeAuthBundle = options.profile
    ? bundleWorker(ROOT, join(ROOT, "src/index.ts"), join(dir, "build", "edge-auth.js"))
    : options.ref
      ? bundleEdgeAuthAt(ROOT, options.ref, join(dir, "current"))
      : bundleEdgeAuth(ROOT, join(dir, "dist"));
  const modules: Record<string, string> = {
    "edge-auth": edgeAuthBundle,
    upstream: workers("upstream"),
    "kv-store": workers("kv-store"),
    passthrough: workers("passthrough"),
    floor: workers("floor"),
    "jose-remote": workers("jose-remote"),
    "hono-jwk": workers("hono-jwk"),
  };
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
  const tokens = await makeTokenPools(dir, issuer, issuer50);
  const { pools, poolSize } = tokens;
  say(
    `minted ${poolSize} distinct tokens per pool (RS256 ~${averageBytes(pools.rs)} B, 8 KB pool ~${averageBytes(pools.rs8k)} B) (${elapsed()})`,
  );

  // 3. One workerd process with every variant.
  const variantPorts = await allocateVariantPorts();
  const defs = variantDefs({ ports, variantPorts, issuer, issuer50, tokens, baselineRef });
  const originSite = writeOriginSite(dir);
  const parts = assemble(dir, modules, defs, compatibility, [{ name: "origin", disk: originSite }]);
  const configPath = writeText(join(dir, "bench.capnp"), renderConfig(parts.services, parts.sockets));
  const workerdBin = join(ROOT, "node_modules/.bin/workerd");
  const inspectorPort = options.profile ? await freePort() : undefined;
  const workerd = await startWorkerd(
    workerdBin,
    configPath,
    parts.sockets.map((socket) => socket.port),
    join(dir, "workerd.log"),
    options.verbose,
    inspectorPort === undefined ? [] : [`--inspector-addr=127.0.0.1:${inspectorPort}`],
  );
  stoppers.push(workerd.stop);
  say(
    `workerd serving ${parts.sockets.length} sockets (${Math.round(workerd.startupMs)} ms to start) (${elapsed()})`,
  );

  // 4. Every variant must forward a valid token and (except the pass-through) refuse a forged one.
  await checkVariants(variantPorts, tokens.files, baselineRef, dir);

  // 5. Variant (e) needs a browser session from edge-auth's own login flow, when the build has one.
  const session = await signInForSessionCookie(`http://127.0.0.1:${variantPorts.edgeAuth}`, PROTECTED_PATH);
  let sessionFile: string | undefined;
  if (session.ok) {
    sessionFile = join(dir, "cookie.txt");
    writeFileSync(sessionFile, `${session.cookie}\n`);
    say("signed in through /auth/login: measuring the session cookie");
  } else say(`(e) session cookie: not available in this build (${session.reason})`);
  const assertionSession = await signInForSessionCookie(
    `http://127.0.0.1:${variantPorts.edgeAuthAssertion}`,
    PROTECTED_PATH,
  );
  let assertionSessionFile: string | undefined;
  if (assertionSession.ok) {
    assertionSessionFile = join(dir, "cookie-assertion.txt");
    writeFileSync(assertionSessionFile, `${assertionSession.cookie}\n`);
  }

  // 6. The load cases, in interleaving order (compared cases next to each other).
  const allCases = benchCases({
    connections,
    variantPorts,
    tokens,
    sessionFile,
    assertionSessionFile,
    baselineRef,
  });
  if (options.profile && inspectorPort !== undefined) {
    for (const id of options.profile) {
      const profiled = allCases.find((c) => c.id === id);
      const service = defs.find((def) => def.port === profiled?.port)?.name;
      if (!profiled || !service) throw new Error(`--profile: no case ${id}`);
      const spec = { ...profiled, durationSeconds: warmupSeconds };
      if (warmupSeconds > 0) await generator.run({ ...spec, durationSeconds: Math.max(1, warmupSeconds) });
      const seconds = durationSeconds * rounds;
      say(`profiling ${id} (worker ${service}) for ${seconds} s`);
      const { profile, result } = await profileWhile(inspectorPort, service, () =>
        generator.run({ ...spec, durationSeconds: seconds }),
      );
      const bundle = service.startsWith("edge-auth") ? (modules["edge-auth"] as string) : undefined;
      const summary = summariseProfile(profile, result.requests, bundle);
      console.log(
        formatProfile(`${profiled.label}: ${Math.round(result.rps)} req/s under the profiler`, summary),
      );
    }
    return;
  }

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
  if (options.write && !only && !options.quick && !baselineRef && !options.ref) {
    writeReport(ROOT, results);
    say("wrote docs/benchmarks.md and docs/benchmarks.svg");
  }
  writeFileSync(join(dir, "results.json"), JSON.stringify(results, null, 2));
  say(`done in ${elapsed()}`);
}

await main();
