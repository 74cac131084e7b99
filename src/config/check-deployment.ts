import { isLoopbackHost } from "../http/secure-url.ts";
import { type AssetsSettings, assetsRoutingProblems } from "./assets-routing.ts";
import { checkWorkerEnv } from "./check-env.ts";
import type { GateConfig } from "./config.ts";
import { validRouteRules } from "./load-config.ts";
import type { ConfigProblem } from "./problem.ts";
import { isSecretVar } from "./secret-vars.ts";

/** A worker as wrangler would deploy it, read from its wrangler config. */
export interface Deployment {
  /** What the worker's env will hold: the `[vars]`, the secrets, and the bindings that are declared. */
  readonly env: Readonly<Record<string, unknown>>;
  /** The names in `[vars]` (committed with wrangler.toml, shown in the dashboard). */
  readonly varNames: readonly string[];
  /** The `[assets]` block, if any. */
  readonly assets?: AssetsSettings;
  /** The wrangler environment (`--env`), for the commands in the fixes. */
  readonly environment?: string;
}

export interface DeploymentReport {
  readonly errors: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
  /** Present when there is no error. */
  readonly config?: GateConfig;
}

/**
 * `npm run check-config`'s judgement of a deployment: the worker's own validation of its env (the
 * same function it runs at start), plus what only the wrangler config shows — whether static assets
 * bypass the worker, secrets written into `[vars]`, and a loopback issuer that cannot work once
 * deployed. With `strict`, every warning is an error.
 */
export function checkDeployment(deployment: Deployment, options: { strict: boolean }): DeploymentReport {
  const checked = checkWorkerEnv(deployment.env);
  const errors = [
    ...(checked.config.ok ? [] : checked.config.failure),
    ...assetsRoutingProblems(deployment.assets, validRouteRules(deployment.env.AUTH_ROUTES)),
  ];
  const warnings = [
    ...checked.warnings,
    ...secretsInVars(deployment.varNames, deployment.environment),
    ...loopbackIssuer(deployment.env.OIDC_ISSUER),
  ];
  const judged = options.strict ? { errors: [...errors, ...warnings], warnings: [] } : { errors, warnings };
  return {
    ...judged,
    ...(judged.errors.length === 0 && checked.config.ok ? { config: checked.config.value } : {}),
  };
}

function secretsInVars(varNames: readonly string[], environment: string | undefined): ConfigProblem[] {
  const envFlag = environment === undefined ? "" : ` --env ${environment}`;
  return varNames.filter(isSecretVar).map((name) => ({
    path: name,
    message: `is a secret in [vars], which is committed to git and shown in the Cloudflare dashboard; delete it from wrangler.toml and run \`npx wrangler secret put ${name}${envFlag}\``,
  }));
}

function loopbackIssuer(issuer: unknown): ConfigProblem[] {
  if (typeof issuer !== "string") return [];
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return [];
  }
  if (url.protocol !== "http:" || !isLoopbackHost(url.hostname)) return [];
  return [
    {
      path: "OIDC_ISSUER",
      message: `${issuer} is a loopback issuer: fine for npm start, not for a deployed worker; set your provider's https:// issuer`,
    },
  ];
}
