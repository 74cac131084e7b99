import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAssertionSigningKey } from "../src/assertion/signing-key.ts";

const SCRIPT = fileURLToPath(new URL("../scripts/assertion-key.ts", import.meta.url));

function runScript(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [SCRIPT, ...args],
      { timeout: 15_000 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe("npm run assertion-key", () => {
  it("prints nothing but a private JWK that ASSERTION_SIGNING_KEY accepts, for ES256 and EdDSA", async () => {
    for (const alg of ["ES256", "EdDSA"]) {
      const { code, stdout, stderr } = await runScript(["--alg", alg]);
      expect(code).toBe(0);
      expect(stdout.split("\n")).toHaveLength(2);
      const parsed = parseAssertionSigningKey(stdout);
      expect(parsed.ok && parsed.value.alg).toBe(alg);
      expect(stderr).toMatch(/^Generated an (ES256|EdDSA) assertion signing key, kid [\w-]{43} /);
      expect(stderr).not.toContain(JSON.parse(stdout).d);
    }
  }, 20_000);

  it("refuses an algorithm it cannot make, with the usage on stderr and nothing on stdout", async () => {
    const { code, stdout, stderr } = await runScript(["--alg", "RS256"]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toContain("npx wrangler secret put ASSERTION_SIGNING_KEY");
  }, 20_000);
});
