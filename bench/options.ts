/** The bench's command line: its options, their defaults, and the settings derived from them. */
import { parseArgs } from "node:util";

export const USAGE = `npm run bench -- [options]

  --duration=S        seconds per measurement, whole (default 2)
  --rounds=N          rounds of every case, interleaved (default 5)
  --warmup=S          seconds of warm-up per case and round (default 1)
  --connections=N     connections of the main cases (default 32)
  --only=id,id,…      only these case ids or sections (main, scaling, concurrency, baseline)
  --load=wrk|autocannon
  --cold-samples=N    fresh workerd processes per cold-start case (default 5)
  --baseline=<ref>    also measure edge-auth as built at that git ref, side by side
  --ref=<ref>         measure edge-auth as built at that git ref instead of the working tree
                      (with --baseline: an A/B of two commits, e.g. --ref=X --baseline=X~1)
  --profile=id,id,…   instead of measuring: a CPU profile of each case's worker through workerd's
                      inspector (edge-auth built unminified), self time per file and function
  --quick             1 round of 2 s, for a smoke test
  --no-write          print only (do not update docs/benchmarks.md and .svg)
  --keep              keep the temporary directory
  --verbose           show workerd's output
  --help              this text
`;

export interface BenchOptions {
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly coldSamples: number;
  /** Case ids or sections to run; undefined runs every case. */
  readonly only: readonly string[] | undefined;
  readonly load: string | undefined;
  readonly baselineRef: string | undefined;
  /** The git ref edge-auth is built at (undefined: the working tree). */
  readonly ref: string | undefined;
  /** Case ids to profile instead of measuring (undefined: measure). */
  readonly profile: readonly string[] | undefined;
  readonly quick: boolean;
  readonly write: boolean;
  readonly keep: boolean;
  readonly verbose: boolean;
}

/** The options of `argv`, or "help" when the usage was asked for. Throws on an unknown option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | "help" {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: "string", default: "2" },
      rounds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "32" },
      only: { type: "string" },
      load: { type: "string" },
      baseline: { type: "string" },
      ref: { type: "string" },
      profile: { type: "string" },
      "cold-samples": { type: "string", default: "5" },
      quick: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (args.help) return "help";
  return {
    // wrk takes whole seconds.
    durationSeconds: args.quick ? 2 : Math.max(1, Math.round(Number(args.duration))),
    rounds: args.quick ? 1 : Number(args.rounds),
    warmupSeconds: Number(args.warmup),
    connections: Number(args.connections),
    coldSamples: args.quick ? 2 : Number(args["cold-samples"]),
    only: args.only?.split(",").map((id) => id.trim()),
    load: args.load,
    baselineRef: args.baseline,
    ref: args.ref,
    profile: args.profile?.split(",").map((id) => id.trim()),
    quick: args.quick,
    write: !args["no-write"],
    keep: args.keep,
    verbose: args.verbose,
  };
}
