import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = join(ROOT, "scripts/check-config.ts");
const STRONG_SECRET = "Vq3r8J0x1mZb6nWc2Lk9Tt5Yh7Gd4Fs0Pa8Re1Uo3I=";

function checkConfig(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [SCRIPT, ...args],
      {
        cwd: ROOT,
        timeout: 20_000,
        env: { ...process.env, SESSION_SECRET: "", OIDC_CLIENT_SECRET: "", ...env },
      },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), "check-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A wrangler config in the temporary directory, with the shipped one's header. */
function config(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `name = "site"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n${body}`);
  return path;
}

const KV = '[[kv_namespaces]]\nbinding = "AUTH_KV"\nid = "kv"\n';
const LOGIN_VARS = `[vars]
OIDC_ISSUER = "https://login.example.com"
OIDC_CLIENT_ID = "site"
AUTH_ROUTES = [{ pattern = "/app/*", unauthenticated = "login" }]
`;

describe("npm run check-config", () => {
  it("passes the shipped wrangler.toml as CI checks it, with the loopback issuer as a warning", async () => {
    const result = await checkConfig(["--secret", "SESSION_SECRET", "--secret", "OIDC_CLIENT_SECRET"]);
    expect(result).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "secret  SESSION_SECRET: a random stand-in (not in the environment or .dev.vars)",
        "secret  OIDC_CLIENT_SECRET: a random stand-in (not in the environment or .dev.vars)",
        "warning OIDC_ISSUER: http://127.0.0.1:9400 is a loopback issuer: fine for npm start, not for a deployed worker; set your provider's https:// issuer",
        "wrangler.toml: valid with 0 errors, 1 warning (7 route rules, issuer http://127.0.0.1:9400)",
        "",
      ].join("\n"),
    });
  });

  it("fails the shipped wrangler.toml with --strict, where warnings are errors", async () => {
    const { code, stdout } = await checkConfig(["--strict"]);
    expect(code).toBe(1);
    expect(stdout.split("\n").at(-2)).toBe("wrangler.toml: 1 error, 0 warnings");
  });

  it("prints the usage and exits 0 for --help", async () => {
    const { code, stdout, stderr } = await checkConfig(["--help"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.split("\n")[0]).toBe(
      "usage: npm run check-config -- [--config FILE] [--env NAME] [--secret NAME]... [--strict]",
    );
  });

  it.each([
    [
      ["--env", "nope"],
      "check-config: --env nope: wrangler.toml has no [env.nope] (it defines no environments)",
    ],
    [["--config", "missing.toml"], "check-config: --config missing.toml: no such file"],
    [["--bogus"], "check-config: unknown option --bogus"],
    [["--secret"], "check-config: Option '--secret <value>' argument missing"],
    [["wrangler.toml"], 'check-config: unexpected argument "wrangler.toml"'],
  ])("answers %j with one line and the usage, exit 2, never a stack trace", async (args, line) => {
    const { code, stdout, stderr } = await checkConfig(args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    const lines = stderr.split("\n");
    expect(lines[0]).toBe(line);
    expect(lines[2]).toMatch(/^usage: npm run check-config/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("names the environments a config defines when --env names another", async () => {
    const path = config("envs.toml", `${KV}[env.staging]\n[env.production]\n`);
    const { code, stderr } = await checkConfig(["--config", path, "--env", "prod"]);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe(
      `check-config: --env prod: ${path} has no [env.prod] (defined: staging, production)`,
    );
  });

  it("reports a config wrangler cannot read in one line, exit 1", async () => {
    const path = config("broken.toml", 'workers_dev = "yes"\n');
    const { code, stdout, stderr } = await checkConfig(["--config", path]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toBe(
      `check-config: ${path}: Expected "workers_dev" to be of type boolean but got "yes".\n`,
    );
  });

  it("checks a real secret from the environment variable of its name, never printing it", async () => {
    const path = config("login.toml", `${LOGIN_VARS}${KV}`);
    const weak = "weak-secret-value";
    const result = await checkConfig(["--config", path, "--secret", "SESSION_SECRET"], {
      SESSION_SECRET: weak,
    });
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n").slice(0, 2)).toEqual([
      "secret  SESSION_SECRET: the value of the environment variable SESSION_SECRET",
      "error   SESSION_SECRET: is too weak (17 bytes, under 32); use a random value of at least 32 bytes, e.g. `openssl rand -base64 32`",
    ]);
    expect(result.stdout + result.stderr).not.toContain(weak);
  });

  it("reads a secret from .dev.vars next to the config, and .dev.vars.<env> first for --env", async () => {
    const sub = mkdtempSync(join(dir, "devvars-"));
    const path = join(sub, "wrangler.toml");
    writeFileSync(
      path,
      `name = "site"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n${LOGIN_VARS}${KV}[env.production]\n${KV.replace("[[kv", "[[env.production.kv")}[env.production.vars]\nOIDC_ISSUER = "https://login.example.com"\nOIDC_CLIENT_ID = "site"\nAUTH_ROUTES = [{ pattern = "/app/*", unauthenticated = "login" }]\n`,
    );
    writeFileSync(join(sub, ".dev.vars"), `SESSION_SECRET=${STRONG_SECRET}\n`);
    writeFileSync(join(sub, ".dev.vars.production"), "SESSION_SECRET=short\n");
    const plain = await checkConfig(["--config", path, "--secret", "SESSION_SECRET"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.split("\n")[0]).toBe("secret  SESSION_SECRET: the value in .dev.vars");
    const production = await checkConfig([
      "--config",
      path,
      "--env",
      "production",
      "--secret",
      "SESSION_SECRET",
    ]);
    expect(production.code).toBe(1);
    expect(production.stdout.split("\n").slice(0, 2)).toEqual([
      "secret  SESSION_SECRET: the value in .dev.vars.production",
      "error   SESSION_SECRET: is too weak (5 bytes, under 32); use a random value of at least 32 bytes, e.g. `openssl rand -base64 32`",
    ]);
  });

  it("refuses static assets served without the worker, and a config without AUTH_KV, exit 1", async () => {
    const path = config(
      "open.toml",
      `[assets]\ndirectory = "./site"\nbinding = "ASSETS"\n${LOGIN_VARS.replace('unauthenticated = "login"', 'unauthenticated = "401"')}`,
    );
    const { code, stdout } = await checkConfig(["--config", path]);
    expect(code).toBe(1);
    expect(stdout.split("\n")).toEqual([
      'error   AUTH_KV: is not bound: edge-auth keeps sessions, sign-in attempts, revocations and its key cache there; create one (`npx wrangler kv namespace create AUTH_KV`) and add [[kv_namespaces]] binding = "AUTH_KV" with its id to wrangler.toml',
      'error   assets.run_worker_first: is not set, so Cloudflare serves every file in "./site" to anyone without running edge-auth; set run_worker_first = true',
      `${path}: 2 errors, 0 warnings`,
      "",
    ]);
  });
});
