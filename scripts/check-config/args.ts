import { parseArgs } from "node:util";

export const USAGE = `usage: npm run check-config -- [--config FILE] [--env NAME] [--secret NAME]... [--strict]

  --config FILE   the wrangler config to check (default: wrangler.toml)
  --env NAME      check [env.NAME], as \`wrangler deploy --env NAME\` would deploy it
  --secret NAME   a secret that will be set with \`wrangler secret put NAME\`; its value is read from the
                  environment variable NAME, else from .dev.vars next to the config, else a random
                  stand-in is used (the output says which; a value is never printed)
  --strict        treat warnings as errors
  --help          show this text

exit status: 0 no errors (warnings allowed), 1 errors (or warnings with --strict), 2 a usage error
             (an unknown option, a missing --config file, an --env the config does not define)`;

export interface CheckOptions {
  readonly configPath: string;
  readonly environment?: string;
  readonly secrets: readonly string[];
  readonly strict: boolean;
}

export type ParsedArgs =
  | { readonly kind: "check"; readonly options: CheckOptions }
  | { readonly kind: "help" }
  | { readonly kind: "usage-error"; readonly message: string };

/** The command line, or a one-line reason it cannot be read (never a stack trace). */
export function readArgs(args: readonly string[]): ParsedArgs {
  let values: { config?: string; env?: string; secret?: string[]; strict?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        config: { type: "string" },
        env: { type: "string" },
        secret: { type: "string", multiple: true },
        strict: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    const unknown = /^Unknown option '([^']+)'/.exec(firstLine(error));
    return { kind: "usage-error", message: unknown ? `unknown option ${unknown[1]}` : firstLine(error) };
  }
  if (values.help) return { kind: "help" };
  if (positionals.length > 0)
    return { kind: "usage-error", message: `unexpected argument ${JSON.stringify(positionals[0])}` };
  const secrets = values.secret ?? [];
  const badSecret = secrets.find((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  if (badSecret !== undefined)
    return { kind: "usage-error", message: `--secret ${JSON.stringify(badSecret)} is not a var name` };
  return {
    kind: "check",
    options: {
      configPath: values.config ?? "wrangler.toml",
      ...(values.env === undefined ? {} : { environment: values.env }),
      secrets,
      strict: values.strict ?? false,
    },
  };
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((line) => line.trim() !== "") ?? text).trim();
}
