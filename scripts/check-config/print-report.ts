import type { DeploymentReport } from "../../src/config/check-deployment.ts";
import { formatProblem } from "../../src/config/problem.ts";
import { describeSource, type SecretValue } from "./secret-values.ts";

/**
 * The report as lines: where the secrets' values came from, every error, then every warning, each
 * with its path and its fix, and one summary line with both counts.
 */
export function reportLines(
  where: string,
  report: DeploymentReport,
  secrets: readonly SecretValue[],
): string[] {
  const lines = secrets.map((secret) => `secret  ${describeSource(secret)}`);
  for (const problem of report.errors) lines.push(`error   ${formatProblem(problem)}`);
  for (const problem of report.warnings) lines.push(`warning ${formatProblem(problem)}`);
  const counts = `${count(report.errors.length, "error")}, ${count(report.warnings.length, "warning")}`;
  const config = report.config;
  lines.push(
    config === undefined
      ? `${where}: ${counts}`
      : `${where}: valid with ${counts} (${count(config.routes.length, "route rule")}, issuer ${config.issuer})`,
  );
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
