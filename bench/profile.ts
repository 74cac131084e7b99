/**
 * A CPU profile of one worker inside the bench's own workerd process, taken through workerd's
 * inspector (the DevTools protocol) while a load case runs, and attributed per request: self time per
 * function and per source file of the bundle (an unminified build keeps esbuild's `// src/…` section
 * comments, which name the file each line came from).
 *
 * With the inspector attached, workerd also reports every `console.log` to it: the log call's share is
 * larger under the profiler than in production, where an A/B (`--baseline`) is the measure.
 */
import { readFileSync } from "node:fs";
import { openSession } from "./inspector.ts";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Runs `load` with the sampling profiler on in the worker `service`; resolves with the profile. */
export async function profileWhile<T>(
  inspectorPort: number,
  service: string,
  load: () => Promise<T>,
  samplingIntervalUs = 50,
): Promise<{ profile: CpuProfile; result: T }> {
  const session = await openSession(inspectorPort, service);
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
    await session.send("Profiler.start");
    const result = await load();
    const stopped = await session.send("Profiler.stop");
    return { profile: stopped.profile as CpuProfile, result };
  } finally {
    session.close();
  }
}

/** The source file of each line of an unminified esbuild bundle, from its `// path` section comments. */
function sourceFileByLine(bundlePath: string): (line: number) => string {
  const lines = readFileSync(bundlePath, "utf8").split("\n");
  const starts: { line: number; file: string }[] = [];
  lines.forEach((text, index) => {
    const match = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
    if (match) starts.push({ line: index, file: (match[1] as string).replace(/^node_modules\//, "") });
  });
  return (line) => {
    let file = "(bundle)";
    for (const start of starts) {
      if (start.line > line) break;
      file = start.file;
    }
    return file;
  };
}

export interface ProfileRow {
  readonly name: string;
  readonly microsecondsPerRequest: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly requests: number;
  /** Sampled time per request outside `(idle)`: what the isolate's thread spent on a request. */
  readonly busyMicrosecondsPerRequest: number;
  readonly byFunction: readonly ProfileRow[];
  readonly byFile: readonly ProfileRow[];
}

/** Self time per function and per file, in µs per request, largest first. */
export function summariseProfile(
  profile: CpuProfile,
  requests: number,
  bundlePath: string | undefined,
): ProfileSummary {
  const fileOf = bundlePath === undefined ? () => "(another worker)" : sourceFileByLine(bundlePath);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((nodeId, index) => {
    const delta = profile.timeDeltas[index + 1] ?? 0;
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + delta);
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") continue;
    busy += us;
    const inBundle = frame.url !== "" && frame.lineNumber >= 0;
    const file = inBundle ? fileOf(frame.lineNumber) : frame.functionName || "(native)";
    const name = inBundle
      ? `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`
      : frame.functionName || "(native)";
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const rows = (map: Map<string, number>): ProfileRow[] =>
    [...map]
      .map(([name, us]) => ({ name, microsecondsPerRequest: us / requests, share: us / busy }))
      .sort((a, b) => b.microsecondsPerRequest - a.microsecondsPerRequest);
  return {
    requests,
    busyMicrosecondsPerRequest: busy / requests,
    byFunction: rows(byFunction),
    byFile: rows(byFile),
  };
}

/** The summary as Markdown tables (the top `limit` rows of each). */
export function formatProfile(title: string, summary: ProfileSummary, limit = 30): string {
  const table = (heading: string, rows: readonly ProfileRow[]) =>
    [
      `| ${heading} | µs / request | share |`,
      "| --- | --- | --- |",
      ...rows
        .slice(0, limit)
        .map(
          (row) =>
            `| ${row.name.replaceAll("|", "\\|")} | ${row.microsecondsPerRequest.toFixed(2)} | ${(row.share * 100).toFixed(1)}% |`,
        ),
    ].join("\n");
  return [
    `### ${title}`,
    "",
    `${summary.requests} requests; sampled JS thread time outside idle: ${summary.busyMicrosecondsPerRequest.toFixed(1)} µs per request`,
    "",
    table("file (self time)", summary.byFile),
    "",
    table("function (self time)", summary.byFunction),
    "",
  ].join("\n");
}
