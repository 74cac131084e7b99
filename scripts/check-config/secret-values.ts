import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseEnv } from "node:util";

/** A secret's value for the check and where it came from (a file's name); the value is never printed. */
export interface SecretValue {
  readonly name: string;
  readonly value: string;
  readonly source: "environment" | "stand-in" | { readonly file: string };
}

/**
 * The values to check the named secrets with: the environment variable of that name, else the one
 * in `.dev.vars.<env>` or `.dev.vars` next to the config (as `wrangler dev` reads them), else a
 * random stand-in of the right strength, so rules that need a secret can still be checked.
 */
export function secretValues(
  names: readonly string[],
  configPath: string,
  environment: string | undefined,
  processEnv: Readonly<Record<string, string | undefined>> = process.env,
): SecretValue[] {
  const file = devVarsFile(configPath, environment);
  const devVars = file === undefined ? {} : parseEnv(readFileSync(file.path, "utf8"));
  return names.map((name) => {
    const fromEnv = processEnv[name];
    if (fromEnv !== undefined && fromEnv !== "") return { name, value: fromEnv, source: "environment" };
    const fromFile = devVars[name];
    if (file !== undefined && fromFile !== undefined)
      return { name, value: fromFile, source: { file: file.name } };
    return { name, value: randomBytes(32).toString("base64url"), source: "stand-in" };
  });
}

function devVarsFile(
  configPath: string,
  environment: string | undefined,
): { path: string; name: string } | undefined {
  const directory = dirname(configPath);
  const names = environment === undefined ? [] : [`.dev.vars.${environment}`];
  names.push(".dev.vars");
  for (const name of names) {
    const path = join(directory, name);
    if (existsSync(path)) return { path, name };
  }
  return undefined;
}

export function describeSource(secret: SecretValue): string {
  if (secret.source === "environment")
    return `${secret.name}: the value of the environment variable ${secret.name}`;
  if (secret.source === "stand-in")
    return `${secret.name}: a random stand-in (not in the environment or .dev.vars)`;
  return `${secret.name}: the value in ${secret.source.file}`;
}
