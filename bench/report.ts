/**
 * Turns the samples into the report: medians per case, ratios taken within each round and then
 * medianed, the performance targets judged, printed as tables and written into docs/benchmarks.md
 * (between markers, so the hand-written notes around them stay) with a chart in docs/benchmarks.svg.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderChart } from "./chart.ts";
import type { ColdCase } from "./cold-start.ts";
import { median, medianCpuRatio, medianRatio, ratiosByRound } from "./measure.ts";
import { type BenchResults, type CaseSummary, summarize } from "./summary.ts";

export interface Target {
  readonly name: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const BEGIN = "<!-- bench:begin (written by npm run bench; edit outside these markers) -->";
const END = "<!-- bench:end -->";
const EDGE_AUTH_CASE = /^(c-|d-|e-)/;
/** KV reads per second a case may show from refresh timers alone (the revocation list: one per 10 s). */
const MAX_TIMER_KV_READS_PER_SECOND = 1;

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "–");
const thousands = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "–";

export function judgeTargets(results: BenchResults, summaries: readonly CaseSummary[]): Target[] {
  const byId = new Map(summaries.map((s) => [s.case.id, s]));
  const atLeast = (value: number, bound: number) => (Number.isFinite(value) ? value >= bound : undefined);
  /** A throughput ratio with its spread over rounds and its CPU-time equivalent. */
  const compare = (mine: string, theirs: string | undefined) => {
    const a = results.samples[mine];
    const b = theirs === undefined ? undefined : results.samples[theirs];
    if (!a || !b) return { value: Number.NaN, text: "–" };
    const value = medianRatio(a, b);
    const spread = ratiosByRound(a, b, (s) => s.load.rps);
    const cpu = medianCpuRatio(a, b);
    const range =
      spread.length > 1 ? `, rounds ${Math.min(...spread).toFixed(2)}–${Math.max(...spread).toFixed(2)}` : "";
    return { value, text: `${ratio(value)} (CPU time ${ratio(cpu)}${range})` };
  };
  const targets: Target[] = [];
  for (const alg of ["rs256", "es256"]) {
    const r = compare(`c-${alg}`, `b-${alg}`);
    targets.push({
      name: `(c) ${alg.toUpperCase()} ≥ 0.9 × (b): everything besides the signature check costs ≤ 10%`,
      measured: r.text,
      met: atLeast(r.value, 0.9),
    });
  }
  const d = compare("d-repeat", "a");
  targets.push({ name: "(d) same token repeated ≥ 0.9 × (a)", measured: d.text, met: atLeast(d.value, 0.9) });
  const e = compare("e-session", "a");
  targets.push({
    name: "(e) session cookie ≥ 0.9 × (a)",
    measured: results.session.available ? e.text : "not available in this build",
    met: results.session.available ? atLeast(e.value, 0.9) : undefined,
  });
  for (const [id, label] of [
    ["d-assertion", "(d)"],
    ["e-assertion", "(e)"],
  ] as const) {
    const withAssertion = compare(id, "a");
    targets.push({
      name: `${label} with the signed assertion on ≥ 0.85 × (a)`,
      measured: withAssertion.text,
      met: atLeast(withAssertion.value, 0.85),
    });
  }
  for (const alg of ["rs256", "es256"]) {
    const r = compare(`c-${alg}`, `f-jose-${alg}`);
    targets.push({
      name: `(c) ${alg.toUpperCase()} ≥ 1.0 × hand-written jose worker`,
      measured: r.text,
      met: atLeast(r.value, 1.0),
    });
  }
  const cpuOf = (id: string) => byId.get(id)?.cpuUs ?? Number.NaN;
  for (const alg of ["rs256", "es256"]) {
    const mine = cpuOf(`c-${alg}`) - cpuOf(`b-${alg}`);
    const jose = cpuOf(`f-jose-${alg}`) - cpuOf(`b-${alg}`);
    targets.push({
      name: `(c) ${alg.toUpperCase()}: CPU per request beyond the floor ≤ the jose worker's`,
      measured: `${fixed(mine, 0)} µs vs ${fixed(jose, 0)} µs`,
      met: Number.isFinite(mine) && Number.isFinite(jose) ? mine <= jose : undefined,
    });
  }
  const hono = compare("c-rs256", "f-hono-rs256");
  targets.push({
    name: "(c) RS256 ≥ 5 × hono jwk middleware",
    measured: hono.text,
    met: atLeast(hono.value, 5),
  });
  const costOf = (id: string) => 1 / (byId.get(id)?.toBaseline ?? Number.NaN) - 1;
  const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "–");
  for (const [id, name] of [
    ["c-routes1000", "1,000 route rules ≤ 5% slower than 10"],
    ["c-issuers3", "routes of 3 issuers ≤ 5% slower than 1"],
    ["c-keys50", "50 keys in the JWKS ≤ 5% slower than 2"],
  ] as const) {
    const cost = costOf(id);
    targets.push({ name, measured: percent(cost), met: Number.isFinite(cost) ? cost <= 0.05 : undefined });
  }
  // What an 8 KB token adds over a 1 KB one, for edge-auth and for the floor (one signature check).
  const bigToken = costOf("c-token8k");
  const bigTokenFloor = costOf("b-token8k");
  targets.push({
    name: "an 8 KB token costs no more than the floor's own extra for 8 KB plus 10 points",
    measured: `+${percent(bigToken)} vs the floor's +${percent(bigTokenFloor)}`,
    met:
      Number.isFinite(bigToken) && Number.isFinite(bigTokenFloor)
        ? bigToken <= bigTokenFloor + 0.1
        : undefined,
  });
  // Steady state reads KV only on timers (the revocation list every REVOCATION_CACHE_SECONDS, a
  // session record when its memory copy ends), never per request: its reads per second stay at the
  // timers' rate (well under one) whatever the request rate, where a per-request read would be
  // thousands per second.
  const steady = summaries.filter((s) => EDGE_AUTH_CASE.test(s.case.id));
  const fetches = steady.reduce((sum, s) => sum + s.providerFetchesPer1k, 0);
  const busiest = steady.reduce<CaseSummary | undefined>(
    (most, s) => (most === undefined || s.kvReadsPerSecond > most.kvReadsPerSecond ? s : most),
    undefined,
  );
  const kvReadsPerRequest = steady.reduce((sum, s) => sum + s.kvReadsPerRequest, 0);
  targets.push({
    name: `no provider fetch and no KV read per request in steady state (edge-auth cases): no fetches, KV reads only on the refresh timers (≤ ${MAX_TIMER_KV_READS_PER_SECOND} per second in every case)`,
    measured: `${fixed(fetches, 3)} fetches / 1k req; KV reads ${fixed(busiest?.kvReadsPerSecond ?? Number.NaN, 2)} per second at most (${busiest?.case.id ?? "–"}), ${fixed(kvReadsPerRequest, 4)} per request over all cases`,
    met:
      busiest !== undefined
        ? fetches === 0 && busiest.kvReadsPerSecond <= MAX_TIMER_KV_READS_PER_SECOND
        : undefined,
  });
  const gzip = results.bundles["edge-auth"]?.gzipBytes ?? Number.NaN;
  targets.push({
    name: "bundle ≤ 60 KiB gzip",
    measured: `${fixed(gzip / 1024, 1)} KiB`,
    met: gzip <= 60 * 1024,
  });
  return targets;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function mainTable(summaries: readonly CaseSummary[], section: string): string {
  return table(
    [
      "variant",
      "req/s",
      "p50 ms",
      "p99 ms",
      "÷ (a) ceiling",
      "÷ (b) floor",
      "CPU µs / req",
      "CPU ÷ (a)",
      "CPU ÷ (b)",
      "provider fetches / 1k req",
      "KV reads / req",
      "failed",
    ],
    summaries
      .filter((s) => s.case.section === section)
      .map((s) => [
        s.case.label,
        thousands(s.rps),
        fixed(s.p50Ms),
        fixed(s.p99Ms),
        ratio(s.toCeiling),
        ratio(s.toFloor),
        fixed(s.cpuUs, 0),
        ratio(s.cpuToCeiling),
        ratio(s.cpuToFloor),
        fixed(s.providerFetchesPer1k, 2),
        fixed(s.kvReadsPerRequest, 3),
        String(s.failed),
      ]),
  );
}

function decisionLineTable(results: BenchResults): string {
  const rows = (
    [
      ["(d) the same token repeated", "d-unlogged", "d-repeat", "a", "(a)"],
      ["(c) RS256, a new token each request", "c-unlogged", "c-rs256", "b-rs256", "(b)"],
    ] as const
  ).map(([label, unlogged, logged, reference, referenceLabel]) => {
    const of = (mine: string, theirs: string) => {
      const a = results.samples[mine];
      const b = results.samples[theirs];
      return a && b ? `${ratio(medianRatio(a, b))} (CPU ${ratio(medianCpuRatio(a, b))})` : "–";
    };
    return [
      label,
      `${of(logged, reference)} ÷ ${referenceLabel}`,
      `${of(unlogged, reference)} ÷ ${referenceLabel}`,
      of(unlogged, logged),
    ];
  });
  return table(
    ["case", "every decision logged (default)", "allowed requests not logged", "not logged ÷ logged"],
    rows,
  );
}

function scalingTable(summaries: readonly CaseSummary[]): string {
  return table(
    ["case", "req/s", "p50 ms", "p99 ms", "÷ baseline (c) RS256", "extra cost per request", "CPU ÷ baseline"],
    summaries
      .filter((s) => s.case.section === "scaling")
      .map((s) => [
        s.case.label,
        thousands(s.rps),
        fixed(s.p50Ms),
        fixed(s.p99Ms),
        ratio(s.toBaseline),
        Number.isFinite(s.toBaseline) ? `${((1 / s.toBaseline - 1) * 100).toFixed(1)}%` : "–",
        ratio(s.cpuToBaseline),
      ]),
  );
}

function baselineTable(summaries: readonly CaseSummary[]): string {
  return table(
    ["case", "req/s at the ref", "req/s now", "p50 ms at the ref → now", "now ÷ ref", "CPU: now ÷ ref"],
    summaries
      .filter((s) => s.case.section === "baseline")
      .map((s) => {
        const now = summaries.find((other) => other.case.id === s.case.baseline);
        return [
          s.case.label,
          thousands(s.rps),
          thousands(now?.rps ?? Number.NaN),
          `${fixed(s.p50Ms)} → ${fixed(now?.p50Ms ?? Number.NaN)}`,
          ratio(1 / s.toBaseline),
          ratio(1 / s.cpuToBaseline),
        ];
      }),
  );
}

function concurrencyTable(summaries: readonly CaseSummary[], connections: number): string {
  const rows: string[][] = [];
  for (const c of [1, connections, 256]) {
    const find = (id: string) =>
      summaries.find((s) => s.case.id === (c === connections ? id : `${id}@c${c}`));
    const a = find("a");
    const b = find("b-rs256");
    const edge = find("c-rs256");
    if (!a && !b && !edge) continue;
    const cell = (s: CaseSummary | undefined) =>
      s ? `${thousands(s.rps)} / ${fixed(s.p50Ms)} / ${fixed(s.p99Ms)}` : "–";
    rows.push([
      String(c),
      cell(a),
      cell(b),
      cell(edge),
      ratio(edge?.toFloor ?? Number.NaN),
      ratio(edge?.toCeiling ?? Number.NaN),
    ]);
  }
  return table(
    ["connections", "(a) req/s / p50 / p99 ms", "(b) RS256", "(c) RS256", "(c) ÷ (b)", "(c) ÷ (a)"],
    rows,
  );
}

function coldTable(cold: readonly ColdCase[]): string {
  return table(
    [
      "case",
      "first request ms (median)",
      "second request ms",
      "provider fetches",
      "KV reads",
      "KV writes",
      "workerd start ms",
    ],
    cold.map((c) => {
      if (c.unavailable || c.samples.length === 0) return [c.label, c.unavailable ?? "–", "", "", "", "", ""];
      const m = (pick: (s: (typeof c.samples)[number]) => number, digits = 1) =>
        fixed(median(c.samples.map(pick)), digits);
      return [
        c.label,
        m((s) => s.firstMs),
        m((s) => s.secondMs),
        m((s) => s.providerFetches, 0),
        m((s) => s.kvReads, 0),
        m((s) => s.kvWrites, 0),
        m((s) => s.startupMs, 0),
      ];
    }),
  );
}

function bundleTable(bundles: BenchResults["bundles"]): string {
  return table(
    ["worker", "raw KiB", "gzip KiB"],
    Object.entries(bundles).map(([name, size]) => [
      name,
      fixed(size.rawBytes / 1024, 1),
      fixed(size.gzipBytes / 1024, 1),
    ]),
  );
}

export function renderMarkdown(results: BenchResults): string {
  const summaries = summarize(results);
  const targets = judgeTargets(results, summaries);
  const m = results.machine;
  const s = results.settings;
  const mark = (met: boolean | undefined) => (met === undefined ? "n/a" : met ? "yes" : "**no**");
  const coldNotes = results.cold.filter((c) => c.unavailable).map((c) => `- ${c.label}: ${c.unavailable}.`);
  return [
    BEGIN,
    "## Latest run",
    "",
    `- date: ${m.date}; edge-auth commit ${m.commit}`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; load average ${m.loadAverage} at start, ${results.loadAtEnd} at end (shared machine: read the ratios, not the absolute numbers)`,
    `- versions: ${Object.entries(m.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(
        ", ",
      )}, ${results.generator.name} ${results.generator.version}; compatibility date ${s.compatibilityDate}`,
    `- method: ${s.rounds} rounds × ${s.durationSeconds} s per case after a ${s.warmupSeconds} s warm-up, cases interleaved (rounds alternate forward and backward), medians; ratios are medians of within-round ratios; ${s.connections} connections unless stated; ${s.poolSize} distinct tokens per pool; whole run ${Math.round(results.totalSeconds)} s`,
    "",
    "### Targets",
    "",
    table(
      ["target", "measured", "met"],
      targets.map((t) => [t.name, t.measured, mark(t.met)]),
    ),
    "",
    `### Throughput and latency (${s.connections} connections)`,
    "",
    "![ratios](benchmarks.svg)",
    "",
    mainTable(summaries, "main"),
    results.session.available
      ? ""
      : `\n(e) session cookie: not available in this build (${results.session.reason}).\n`,
    ...(s.baselineRef
      ? [`### Before and after: this tree against ${s.baselineRef}`, "", baselineTable(summaries), ""]
      : []),
    "### The decision line",
    "",
    "The same cases with allowed requests not logged (`LOG_SAMPLE_RATE = 0`; refusals are still logged): what one `console.log` per request costs in workerd, beside the default (every decision logged). Not a target: the default configuration is judged above.",
    "",
    decisionLineTable(results),
    "",
    "### Scaling",
    "",
    scalingTable(summaries),
    "",
    "### Concurrency (RS256, req/s / p50 / p99 ms)",
    "",
    concurrencyTable(summaries, s.connections),
    "",
    "### Cold isolate: the first request (loopback; provider and KV answer instantly here)",
    "",
    coldTable(results.cold),
    ...(coldNotes.length > 0 ? ["", ...coldNotes] : []),
    "",
    "### Bundle size",
    "",
    bundleTable(results.bundles),
    END,
  ].join("\n");
}

export function printReport(results: BenchResults): void {
  console.log(`\n${renderMarkdown(results).split("\n").slice(1, -1).join("\n")}\n`);
}

export function writeReport(root: string, results: BenchResults): void {
  const path = join(root, "docs/benchmarks.md");
  const generated = renderMarkdown(results);
  const existing = existsSync(path) ? readFileSync(path, "utf8") : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const start = existing.indexOf(BEGIN);
  const end = existing.indexOf(END);
  const next =
    start === -1 || end === -1
      ? `${existing.trimEnd()}\n\n${generated}\n`
      : `${existing.slice(0, start)}${generated}${existing.slice(end + END.length)}`;
  writeFileSync(path, next);
  writeFileSync(join(root, "docs/benchmarks.svg"), renderChart(summarize(results), results.machine.date));
}
