/**
 * `npm run check-config [-- --config wrangler.toml] [--env NAME]`: validates edge-auth's configuration
 * as wrangler will deploy it (vars of the chosen environment, plus .dev.vars when --dev is given) and
 * prints every problem with its path. Exits 1 when there is any.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { formatProblem, loadConfig } from "../src/config/load-config.ts";

const { values } = parseArgs({
  options: {
    config: { type: "string", default: "wrangler.toml" },
    env: { type: "string" },
    secret: { type: "string", multiple: true, default: [] },
  },
});

const config = unstable_readConfig(
  { config: values.config, ...(values.env ? { env: values.env } : {}) },
  { hideWarnings: true },
);
const env: Record<string, unknown> = { ...config.vars };
// Secrets are not in wrangler.toml; name the ones that will be set (`--secret SESSION_SECRET`) so rules
// that need them are checked with a stand-in value of the right strength.
for (const name of values.secret ?? []) env[name] = randomBytes(32).toString("base64url");

const result = loadConfig(env);
const where = `${values.config}${values.env ? ` (env ${values.env})` : ""}`;
if (result.ok) {
  console.log(
    `${where}: configuration is valid (${result.value.routes.length} route rules, issuer ${result.value.issuer})`,
  );
} else {
  console.error(`${where}: ${result.failure.length} problem${result.failure.length === 1 ? "" : "s"}`);
  for (const problem of result.failure) console.error(`  ${formatProblem(problem)}`);
  process.exitCode = 1;
}
