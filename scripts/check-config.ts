/**
 * `npm run check-config [-- --config wrangler.toml] [--env NAME] [--secret NAME]... [--strict]`:
 * judges edge-auth's configuration as wrangler would deploy it — with the same validator the worker
 * runs at start, plus the checks only the wrangler config allows (static assets that bypass the
 * worker, secrets in [vars], a loopback issuer) — and prints every error and warning at once.
 * Exit status: 0 without errors, 1 with errors (or warnings under --strict, or a config wrangler cannot
 * read), 2 for a usage error (an unknown option, a missing --config file, an undefined --env).
 */
import { checkDeployment } from "../src/config/check-deployment.ts";
import { readArgs, USAGE } from "./check-config/args.ts";
import { reportLines } from "./check-config/print-report.ts";
import { readDeployment } from "./check-config/read-wrangler.ts";
import { secretValues } from "./check-config/secret-values.ts";

const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

function main(args: readonly string[]): number {
  const parsed = readArgs(args);
  if (parsed.kind === "help") {
    console.log(USAGE);
    return 0;
  }
  if (parsed.kind === "usage-error") return usageError(parsed.message);
  const { configPath, environment, secrets: secretNames, strict } = parsed.options;
  const secrets = secretValues(secretNames, configPath, environment);
  const read = readDeployment(configPath, environment, secrets);
  if (!read.ok) {
    if (read.cause === "arguments") return usageError(read.message);
    console.error(`check-config: ${read.message}`);
    return EXIT_INVALID;
  }
  const report = checkDeployment(read.deployment, { strict });
  const where = `${configPath}${environment === undefined ? "" : ` (env ${environment})`}`;
  for (const line of reportLines(where, report, secrets)) console.log(line);
  return report.errors.length > 0 ? EXIT_INVALID : 0;
}

function usageError(message: string): number {
  console.error(`check-config: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

process.exitCode = main(process.argv.slice(2));
