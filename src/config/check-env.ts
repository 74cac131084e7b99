import { dpopBindingProblems } from "../dpop/config-problems.ts";
import type { Result } from "../result.ts";
import { fail } from "../result.ts";
import { bindingProblems } from "./bindings.ts";
import type { GateConfig } from "./config.ts";
import { loadConfig } from "./load-config.ts";
import type { ConfigProblem } from "./problem.ts";
import { unknownVarProblems } from "./unknown-vars.ts";

/** The worker's environment judged: the compiled configuration or every error, and the warnings. */
export interface EnvCheck {
  readonly config: Result<GateConfig, ConfigProblem[]>;
  /** Problems that do not stop the worker (a var that looks like edge-auth's but is not read). */
  readonly warnings: readonly ConfigProblem[];
}

/**
 * The one validator of a worker environment (vars, secrets and bindings), used by the worker at
 * start, by `npm run check-config` and by the tests: the vars and secrets (loadConfig), the
 * bindings it cannot run without (AUTH_KV; DPOP_REPLAY when a route requires DPoP), and unknown vars that look like its own.
 */
export function checkWorkerEnv(env: Readonly<Record<string, unknown>>): EnvCheck {
  const loaded = loadConfig(env);
  const errors = [
    ...(loaded.ok ? [] : loaded.failure),
    ...bindingProblems(env),
    ...(loaded.ok ? dpopBindingProblems(loaded.value.routes, env) : []),
  ];
  const varNames = Object.keys(env).filter((name) => isVarValue(env[name]));
  return {
    config: errors.length === 0 ? loaded : fail(errors),
    warnings: unknownVarProblems(varNames),
  };
}

/** Vars are strings, numbers, booleans, lists and tables; bindings are objects of their own classes. */
function isVarValue(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
