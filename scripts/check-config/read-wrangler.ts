import { existsSync } from "node:fs";
import { unstable_readConfig } from "wrangler";
import { BINDINGS } from "../../src/config/bindings.ts";
import type { Deployment } from "../../src/config/check-deployment.ts";
import { firstLine } from "./args.ts";
import type { SecretValue } from "./secret-values.ts";

export type ReadDeployment =
  | { readonly ok: true; readonly deployment: Deployment }
  | { readonly ok: false; readonly message: string; readonly cause: "arguments" | "config" };

/**
 * The deployment a wrangler config describes for one environment: its vars, the given secrets, a
 * stand-in for each KV namespace it binds (so the worker's own binding check applies) and its
 * `[assets]` block. A missing file or an environment the config does not define (the arguments' fault),
 * and a config wrangler cannot read (the config's fault), are one-line messages.
 */
export function readDeployment(
  configPath: string,
  environment: string | undefined,
  secrets: readonly SecretValue[],
): ReadDeployment {
  if (!existsSync(configPath))
    return { ok: false, message: `--config ${configPath}: no such file`, cause: "arguments" };
  const topLevel = readConfig(configPath, undefined);
  if (!topLevel.ok) return topLevel;
  // Wrangler only warns about an unknown environment when the config defines none: check it here.
  const defined = topLevel.config.definedEnvironments;
  if (environment !== undefined && !defined.includes(environment)) {
    return {
      ok: false,
      message: `--env ${environment}: ${configPath} has no [env.${environment}] (${defined.length === 0 ? "it defines no environments" : `defined: ${defined.join(", ")}`})`,
      cause: "arguments",
    };
  }
  const read = environment === undefined ? topLevel : readConfig(configPath, environment);
  if (!read.ok) return read;
  const config = read.config;
  const env: Record<string, unknown> = { ...config.vars };
  for (const secret of secrets) env[secret.name] = secret.value;
  for (const namespace of config.kv_namespaces) env[namespace.binding] = declaredKvNamespace;
  for (const binding of config.durable_objects.bindings) env[binding.name] = declaredDurableObjectNamespace;
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

function readConfig(
  configPath: string,
  environment: string | undefined,
):
  | { readonly ok: true; readonly config: ReturnType<typeof unstable_readConfig> }
  | { readonly ok: false; readonly message: string; readonly cause: "config" } {
  try {
    const config = unstable_readConfig(
      { config: configPath, ...(environment === undefined ? {} : { env: environment }) },
      { hideWarnings: true },
    );
    return { ok: true, config };
  } catch (error) {
    return { ok: false, message: `${configPath}: ${wranglerMessage(error)}`, cause: "config" };
  }
}

/** Wrangler's "Processing … configuration:" errors list their problems as "- …" lines: one line here. */
function wranglerMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const items = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("- "))
    .map((line) => line.slice(2));
  return items.length > 0 ? items.join("; ") : firstLine(error);
}

/** Stands in for a KV namespace the config binds: the check needs its shape, never its data. */
const declaredKvNamespace = {
  get: () => Promise.reject(new Error(`${BINDINGS.kv} is a stand-in during check-config`)),
  put: () => Promise.reject(new Error(`${BINDINGS.kv} is a stand-in during check-config`)),
};

/** Stands in for a Durable Object namespace the config binds (the DPoP replay store): its shape only. */
const declaredDurableObjectNamespace = {
  idFromName: () => {
    throw new Error("a Durable Object namespace is a stand-in during check-config");
  },
};
