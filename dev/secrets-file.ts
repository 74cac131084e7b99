/**
 * Secrets for `wrangler dev` in a file rather than on its command line, where every user of the
 * machine can read them (`ps`). The file is private to this user (directory 0700, file 0600), given
 * to wrangler with `--env-file`, and removed when the stack stops.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SecretsFile {
  readonly path: string;
  remove(): Promise<void>;
}

// wrangler reads the file with dotenv and then expands `$NAME`: values are kept to characters that
// both read literally, unquoted.
const LITERAL_VALUE = /^[A-Za-z0-9_\-.~+/=:@]*$/;
const NAME = /^[A-Z][A-Z0-9_]*$/;

/** Writes `NAME=value` lines to a fresh private file; throws for a name or value it cannot write literally. */
export async function writeSecretsFile(secrets: Readonly<Record<string, string>>): Promise<SecretsFile> {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (!NAME.test(name)) throw new Error(`secret name ${JSON.stringify(name)}: use A-Z, 0-9 and _`);
    if (!LITERAL_VALUE.test(value))
      throw new Error(`secret ${name}: only A-Z a-z 0-9 and _-.~+/=:@ can be passed to wrangler literally`);
    lines.push(`${name}=${value}`);
  }
  const directory = await mkdtemp(join(tmpdir(), "edge-auth-secrets-"));
  await chmod(directory, 0o700);
  const path = join(directory, "worker.env");
  await writeFile(path, `${lines.join("\n")}\n`, { mode: 0o600, flag: "wx" });
  let removed = false;
  return {
    path,
    async remove() {
      if (removed) return;
      removed = true;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
