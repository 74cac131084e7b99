import { formatProblem, loadConfig } from "../../src/config/load-config.ts";

/** Every problem `loadConfig` reports for `env`, formatted as the operator reads them; none when it loads. */
export function configProblems(env: Record<string, unknown>): string[] {
  const result = loadConfig(env);
  return result.ok ? [] : result.failure.map(formatProblem);
}

/** `configProblems` with `env` laid over a base configuration. */
export function configProblemsOver(
  base: Record<string, unknown>,
): (env: Record<string, unknown>) => string[] {
  return (env) => configProblems({ ...base, ...env });
}
