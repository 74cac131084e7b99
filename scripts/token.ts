/**
 * Prints a fresh ID token for a demo user, and nothing else on stdout:
 *
 *   npm run -s token -- alice
 *   npm run -s token -- bob --issuer http://127.0.0.1:9400 --redirect-uri http://localhost:8787/auth/callback
 *
 * The token comes from a real authorization code + PKCE flow against the running dev provider
 * (`node dev/idp/main.ts`). Issuer: --issuer, else $OIDC_ISSUER, else http://127.0.0.1:9400.
 */
import { parseArgs } from "node:util";
import { DEMO_USERS } from "../dev/idp/demo-users.ts";
import { DEFAULT_REDIRECT_URI, DEV_CLIENT_ID, DEV_CLIENT_SECRET } from "../dev/idp/dev-client.ts";
import { mintIdToken } from "../dev/idp/login-flow.ts";

const USAGE = `usage: npm run -s token -- <username> [--password <pw>] [--issuer <url>] [--redirect-uri <url>]
demo users: ${DEMO_USERS.map((u) => u.username).join(", ")}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      issuer: { type: "string" },
      "redirect-uri": { type: "string" },
      password: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [username, ...extra] = positionals;
  if (values.help || !username || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const { idToken } = await mintIdToken({
    issuer: values.issuer ?? process.env.OIDC_ISSUER ?? "http://127.0.0.1:9400",
    username,
    password: values.password ?? DEMO_USERS.find((u) => u.username === username)?.password ?? "",
    clientId: DEV_CLIENT_ID,
    clientSecret: DEV_CLIENT_SECRET,
    redirectUri: values["redirect-uri"] ?? DEFAULT_REDIRECT_URI,
  });
  process.stdout.write(`${idToken}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
