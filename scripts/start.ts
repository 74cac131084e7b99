/**
 * `npm start`: the whole thing on loopback in one terminal — the development OpenID Provider, and the
 * worker under `wrangler dev` guarding the demo site. Ctrl-C stops everything it started.
 */
import { parseArgs } from "node:util";
import { DEMO_USERS } from "../dev/idp/demo-users.ts";
import { startStack } from "../dev/stack.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    "idp-port": { type: "string", default: "9400" },
    verbose: { type: "boolean", default: false },
  },
});

console.log("Starting the development OpenID Provider and the worker (wrangler dev, local mode)…");
const stack = await startStack({
  workerPort: Number(values.port),
  idpPort: Number(values["idp-port"]),
  onWorkerOutput: (line) => {
    if (values.verbose || /error|✘|\[ERROR\]/i.test(line)) console.log(`  [worker] ${line}`);
  },
});

const site = stack.siteUrl;
console.log(`
edge-auth is running.

  Demo site (public)     ${site}/
  Signed-in page         ${site}/app/
  Admins only            ${site}/admin/
  Who am I (JSON)        ${site}/auth/whoami
  Identity provider      ${stack.issuer}  (discovery: ${stack.issuer}/.well-known/openid-configuration)

  Demo users:
${DEMO_USERS.map((u) => `    ${u.username.padEnd(6)} / ${u.password.padEnd(15)} groups: ${u.groups.join(", ")}`).join("\n")}

  A bearer token for API calls:
    curl -H "Authorization: Bearer $(npm run -s token -- alice)" ${site}/app/

${values.verbose ? "The worker's output (one JSON decision line per request) follows." : "To see the worker's decision log (one JSON line per request): npm start -- --verbose"}
Press Ctrl-C to stop.`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the worker and the provider…`);
  await stack.stop();
  console.log("Stopped.");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
