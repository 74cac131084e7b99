/**
 * Prints a fresh ID token for a demo user, and nothing else on stdout:
 *
 *   npm run -s token -- alice
 *   npm run -s token -- bob --issuer http://127.0.0.1:9400 --redirect-uri http://127.0.0.1:8787/auth/callback
 *
 * The token comes from a real authorization code + PKCE flow against the running dev provider. Where:
 * --issuer, else $OIDC_ISSUER, else the stack a running `npm start` recorded (dev/stack-state.ts), else
 * http://127.0.0.1:9400. The redirect URI: --redirect-uri, else the recorded worker's, else port 8787's.
 */
import { parseArgs } from "node:util";
import { DEMO_USERS } from "../dev/idp/demo-users.ts";
import { DEFAULT_REDIRECT_URI, DEV_CLIENT_ID, DEV_CLIENT_SECRET } from "../dev/idp/dev-client.ts";
import { LoginFlowError, mintIdToken } from "../dev/idp/login-flow.ts";
import { readStackState, type StackState, stackStatePath } from "../dev/stack-state.ts";

const DEFAULT_ISSUER = "http://127.0.0.1:9400";
const USAGE = `usage: npm run -s token -- <username> [--password <pw>] [--issuer <url>] [--redirect-uri <url>]
demo users: ${DEMO_USERS.map((u) => u.username).join(", ")}`;

/** Where the issuer came from, for advice that fits when the provider cannot be reached. */
type IssuerSource =
  | { readonly kind: "flag" | "environment" }
  | { readonly kind: "npm start"; readonly path: string; readonly pid: number }
  | { readonly kind: "default"; readonly stalePath?: string };

interface Target {
  readonly issuer: string;
  readonly redirectUri: string;
  readonly source: IssuerSource;
}

function resolveTarget(flags: { issuer?: string; redirectUri?: string }): Target {
  const path = stackStatePath();
  const recorded = readStackState(path);
  const running: StackState | undefined = recorded?.running ? recorded.state : undefined;
  const given = flags.issuer || process.env.OIDC_ISSUER;
  const issuer = given || running?.issuer || DEFAULT_ISSUER;
  const redirectUri =
    flags.redirectUri || (running && running.issuer === issuer ? running.redirectUri : DEFAULT_REDIRECT_URI);
  const source: IssuerSource = flags.issuer
    ? { kind: "flag" }
    : given
      ? { kind: "environment" }
      : running
        ? { kind: "npm start", path, pid: running.pid }
        : { kind: "default", ...(recorded ? { stalePath: path } : {}) };
  return { issuer, redirectUri, source };
}

/** What to do about a failed sign-in, given where the issuer and redirect URI came from. */
function advice(error: LoginFlowError, target: Target): string {
  const { source } = target;
  if (error.code === "sign_in_refused") return `demo users: ${DEMO_USERS.map((u) => u.username).join(", ")}`;
  if (error.code === "no_sign_in_form")
    return source.kind === "npm start"
      ? `the provider did not accept the worker that ${source.path} records; restart npm start`
      : `the provider only accepts the callback of the worker it was started for: pass that worker's with --redirect-uri <worker>/auth/callback`;
  switch (source.kind) {
    case "flag":
      return "check --issuer: npm start and npm run idp print the provider's address";
    case "environment":
      return "OIDC_ISSUER is set in this shell and names it; correct it, or unset it to use the running npm start";
    case "npm start":
      return `${source.path} says npm start (process ${source.pid}) runs this provider, but it does not answer; restart npm start`;
    case "default": {
      const stale = source.stalePath ? ` (${source.stalePath} is left from one that stopped)` : "";
      return `no npm start is running${stale}: start the local stack with "npm start", or pass a running provider's address with --issuer <url>`;
    }
  }
}

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
  const target = resolveTarget({
    ...(values.issuer ? { issuer: values.issuer } : {}),
    ...(values["redirect-uri"] ? { redirectUri: values["redirect-uri"] } : {}),
  });
  try {
    const { idToken } = await mintIdToken({
      issuer: target.issuer,
      username,
      password: values.password ?? DEMO_USERS.find((u) => u.username === username)?.password ?? "",
      clientId: DEV_CLIENT_ID,
      clientSecret: DEV_CLIENT_SECRET,
      redirectUri: target.redirectUri,
    });
    process.stdout.write(`${idToken}\n`);
    return 0;
  } catch (error) {
    if (error instanceof LoginFlowError) throw new Error(`${error.message}; ${advice(error, target)}`);
    throw error;
  }
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
