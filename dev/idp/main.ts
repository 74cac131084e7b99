/**
 * Runs the development OpenID Provider until Ctrl-C:
 *
 *   node dev/idp/main.ts [--port 9400] [--host 127.0.0.1] [--id-token-ttl 3600] [--worker-origin <url>]...
 */
import { parseArgs } from "node:util";
import { startDevProvider } from "./provider.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "9400" },
    host: { type: "string", default: "127.0.0.1" },
    "id-token-ttl": { type: "string", default: "3600" },
    "worker-origin": { type: "string", multiple: true },
  },
});

function integer(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

try {
  const provider = await startDevProvider({
    port: integer("port", values.port),
    host: values.host,
    idTokenTtlSeconds: integer("id-token-ttl", values["id-token-ttl"]),
    ...(values["worker-origin"] ? { workerOrigins: values["worker-origin"] } : {}),
  });
  console.log(`dev OpenID Provider: ${provider.issuer}`);
  console.log(`  discovery  ${provider.issuer}/.well-known/openid-configuration`);
  console.log(`  client     ${provider.clientId} / ${provider.clientSecret}`);
  for (const user of provider.users) {
    console.log(`  user       ${user.username} / ${user.password}  (${user.groups.join(", ")})`);
  }
  console.log("Ctrl-C stops it.");
  const stop = () => {
    provider.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
