/** One problem with the configuration: where it is and what to do about it. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}`;
}
