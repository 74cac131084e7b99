import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = join(ROOT, "scripts/check-config.ts");

function checkConfig(path: string, secrets: Record<string, string> = {}) {
  const secretArgs = Object.keys(secrets).flatMap((name) => ["--secret", name]);
  return new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [SCRIPT, "--config", path, ...secretArgs],
      { cwd: ROOT, timeout: 20_000, env: { ...process.env, ...secrets } },
      (_e, stdout) => resolve({ code: child.exitCode, stdout }),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), "check-config-dpop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `name = "site"
main = "src/index.ts"
compatibility_date = "2026-11-01"
[vars]
OIDC_ISSUER = "https://login.example.com"
OIDC_CLIENT_ID = "site"
AUTH_ROUTES = [{ pattern = "/api/*", require_dpop = true }]
[[kv_namespaces]]
binding = "AUTH_KV"
id = "kv"
`;
const DPOP_REPLAY = `[[durable_objects.bindings]]
name = "DPOP_REPLAY"
class_name = "DpopReplayObject"
[[migrations]]
tag = "dpop-replay-v1"
new_sqlite_classes = ["DpopReplayObject"]
`;

describe("npm run check-config with a route that requires DPoP", () => {
  it("passes when the DPOP_REPLAY Durable Object is bound", async () => {
    const path = join(dir, "bound.toml");
    writeFileSync(path, BASE + DPOP_REPLAY);
    const result = await checkConfig(path);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("valid with 0 errors");
  });

  it("fails when DPOP_REPLAY is not bound, naming the wrangler.toml block to add", async () => {
    const path = join(dir, "unbound.toml");
    writeFileSync(path, BASE);
    const result = await checkConfig(path);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'error   DPOP_REPLAY: is not bound, and AUTH_ROUTES[0] ("/api/*") requires DPoP, whose replayed proofs only a Durable Object can refuse; add [[durable_objects.bindings]] name = "DPOP_REPLAY" class_name = "DpopReplayObject"',
    );
  });
});

describe('npm run check-config with DPOP_NONCE = "required" (RFC 9449 §9 server nonces)', () => {
  const nonceConfig = (value: string) =>
    BASE.replace("[[kv_namespaces]]", `DPOP_NONCE = "${value}"\n[[kv_namespaces]]`) + DPOP_REPLAY;

  it("fails without a secret to make the nonces with, naming DPOP_NONCE_SECRET", async () => {
    const path = join(dir, "nonce-no-secret.toml");
    writeFileSync(path, nonceConfig("required"));
    const result = await checkConfig(path);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'error   DPOP_NONCE_SECRET: is required because DPOP_NONCE = "required" makes its nonces with it',
    );
  });

  it("passes with DPOP_NONCE_SECRET given as a secret, and refuses an unknown value", async () => {
    const path = join(dir, "nonce.toml");
    writeFileSync(path, nonceConfig("required"));
    const secret = { DPOP_NONCE_SECRET: "test-only-dpop-nonce-secret-83c1e5a7f2d94b06" };
    const passed = await checkConfig(path, secret);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain("valid with 0 errors");
    writeFileSync(path, nonceConfig("sometimes"));
    const refused = await checkConfig(path, secret);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('error   DPOP_NONCE: must be "off" (the default) or "required"');
  });
});
