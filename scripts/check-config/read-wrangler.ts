import { existsSync } from "node:fs";
import { unstable_readConfig } from "wrangler";
import { BINDINGS } from "../../src/config/bindings.ts";
import type { Deployment } from "../../src/config/check-deployment.ts";
import { firstLine } from "./args.ts";
import type { SecretValue } from "./secret-values.ts";

export type ReadDeployment =
  | { readonly ok: true; readonly deployment: Deployment }
  | { readonly ok: false; readonly message: string };

/**
 * The deployment a wrangler config describes for one environment: its vars, the given secrets, a
 * stand-in for each KV namespace it binds (so the worker's own binding check applies) and its
 * `[assets]` block. A missing file, an unreadable config or an environment it does not define is a
 * one-line message.
 */
export function readDeployment(
  configPath: string,
  environment: string | undefined,
  secrets: readonly SecretValue[],
): ReadDeployment {
  if (!existsSync(configPath)) return { ok: false, message: `--config ${configPath}: no such file` };
  let config: ReturnType<typeof unstable_readConfig>;
  try {
    config = unstable_readConfig(
      { config: configPath, ...(environment === undefined ? {} : { env: environment }) },
      { hideWarnings: true },
    );
  } catch (error) {
    return { ok: false, message: `${configPath}: ${firstLine(error)}` };
  }
  if (environment !== undefined && !config.definedEnvironments.includes(environment)) {
    const defined = config.definedEnvironments;
    return {
      ok: false,
      message: `--env ${environment}: ${configPath} has no [env.${environment}] (${defined.length === 0 ? "it defines no environments" : `defined: ${defined.join(", ")}`})`,
    };
  }
  const env: Record<string, unknown> = { ...config.vars };
  for (const secret of secrets) env[secret.name] = secret.value;
  for (const namespace of config.kv_namespaces) env[namespace.binding] = declaredKvNamespace;
  const assets = config.assets;
  return {
    ok: true,
    deployment: {
      env,
      varNames: Object.keys(config.vars),
      ...(assets === undefined
        ? {}
        : {
            assets: {
              ...(assets.directory === undefined ? {} : { directory: assets.directory }),
              ...(assets.run_worker_first === undefined ? {} : { run_worker_first: assets.run_worker_first }),
            },
          }),
      ...(environment === undefined ? {} : { environment }),
    },
  };
}

/** Stands in for a KV namespace the config binds: the check needs its shape, never its data. */
const declaredKvNamespace = {
  get: () => Promise.reject(new Error(`${BINDINGS.kv} is a stand-in during check-config`)),
  put: () => Promise.reject(new Error(`${BINDINGS.kv} is a stand-in during check-config`)),
};
