import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";

const SCRIPT = fileURLToPath(new URL("../scripts/token.ts", import.meta.url));

function runTokenScript(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [SCRIPT, ...args],
      { timeout: 15_000, env: { ...process.env, OIDC_ISSUER: "", ...env } },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

let provider: DevProvider;
beforeAll(async () => {
  provider = await startDevProvider();
});
afterAll(() => provider.close());

describe("npm run token", () => {
  it("prints nothing but a fresh ID token for the demo user", async () => {
    const { code, stdout, stderr } = await runTokenScript(["alice", "--issuer", provider.issuer]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwt(stdout.trim())).toMatchObject({ iss: provider.issuer, sub: "usr_alice" });
  }, 20_000);

  it("takes the issuer from OIDC_ISSUER when no --issuer is given", async () => {
    const { code, stdout } = await runTokenScript(["bob"], { OIDC_ISSUER: provider.issuer });
    expect(code).toBe(0);
    expect(decodeJwt(stdout.trim())).toMatchObject({ iss: provider.issuer, sub: "usr_bob" });
  }, 20_000);

  it("fails with a message on stderr and nothing on stdout for a user it cannot sign in", async () => {
    const { code, stdout, stderr } = await runTokenScript(["mallory", "--issuer", provider.issuer]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toContain('sign-in as "mallory" failed: wrong username or password');
  }, 20_000);
});
