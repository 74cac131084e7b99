import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProvider, startDevProvider } from "../dev/idp/provider.ts";
import { freePort } from "../dev/ports.ts";
import { writeStackState } from "../dev/stack-state.ts";

const SCRIPT = fileURLToPath(new URL("../scripts/token.ts", import.meta.url));

function runTokenScript(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [SCRIPT, ...args],
      {
        timeout: 15_000,
        // No stack state of a real npm start on this machine: each test says which file it means.
        env: { ...process.env, OIDC_ISSUER: "", EDGE_AUTH_DEV_STATE: join(stateDir, "none.json"), ...env },
      },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

let provider: DevProvider;
let stateDir: string;
beforeAll(async () => {
  [provider, stateDir] = await Promise.all([startDevProvider(), mkdtemp(join(tmpdir(), "edge-auth-token-"))]);
});
afterAll(() => Promise.all([provider.close(), rm(stateDir, { recursive: true, force: true })]));

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

  it("fails for an unreachable --issuer with advice to check --issuer, not to start a provider", async () => {
    const closedIssuer = `http://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await runTokenScript(["alice", "--issuer", closedIssuer]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toBe(
      `token: cannot reach the OpenID Provider at ${closedIssuer} (ECONNREFUSED); check --issuer: npm start and npm run idp print the provider's address\n`,
    );
  });
});

describe("npm run token while npm start runs on other ports", () => {
  it("signs in at the provider and with the callback the running stack recorded, with no options", async () => {
    const workerOrigin = `http://127.0.0.1:${await freePort()}`;
    const stackProvider = await startDevProvider({ workerOrigins: [workerOrigin] });
    const statePath = join(stateDir, "running.json");
    try {
      await writeStackState(statePath, {
        pid: process.pid,
        siteUrl: workerOrigin,
        issuer: stackProvider.issuer,
        clientId: stackProvider.clientId,
        redirectUri: `${workerOrigin}/auth/callback`,
      });
      const { code, stdout, stderr } = await runTokenScript(["alice"], { EDGE_AUTH_DEV_STATE: statePath });
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(decodeJwt(stdout.trim())).toMatchObject({ iss: stackProvider.issuer, sub: "usr_alice" });
    } finally {
      await stackProvider.close();
    }
  });

  it("names the state file and says to restart npm start when the recorded provider does not answer", async () => {
    const closedIssuer = `http://127.0.0.1:${await freePort()}`;
    const statePath = join(stateDir, "silent.json");
    await writeStackState(statePath, {
      pid: process.pid,
      siteUrl: "http://127.0.0.1:8787",
      issuer: closedIssuer,
      clientId: "edge-auth-demo",
      redirectUri: "http://127.0.0.1:8787/auth/callback",
    });
    const { code, stderr } = await runTokenScript(["alice"], { EDGE_AUTH_DEV_STATE: statePath });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `token: cannot reach the OpenID Provider at ${closedIssuer} (ECONNREFUSED); ${statePath} says npm start (process ${process.pid}) runs this provider, but it does not answer; restart npm start\n`,
    );
  });
});
