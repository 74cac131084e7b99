/**
 * Generates a signing key for the identity assertions edge-auth sends to the origin
 * (ASSERTION_SIGNING_KEY, docs/assertion.md) and writes it nowhere but stdout:
 *
 *   npm run -s assertion-key | npx wrangler secret put ASSERTION_SIGNING_KEY
 *   npm run -s assertion-key -- --alg EdDSA | npx wrangler secret put ASSERTION_SIGNING_KEY
 *
 * stdout carries the private JWK alone (one line), so it can be piped straight into the secret
 * without touching the disk or the shell history; the key id and the next steps go to stderr.
 */
import { parseArgs } from "node:util";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";

const USAGE = `usage: npm run -s assertion-key [-- --alg ES256|EdDSA] | npx wrangler secret put ASSERTION_SIGNING_KEY`;
const ALGORITHMS = ["ES256", "EdDSA"] as const;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { alg: { type: "string", default: "ES256" }, help: { type: "boolean", short: "h" } },
  });
  const alg = values.alg as (typeof ALGORITHMS)[number];
  if (values.help || !ALGORITHMS.includes(alg)) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey), "sha256");
  process.stdout.write(`${JSON.stringify(privateJwk)}\n`);
  const store = "npm run -s assertion-key | npx wrangler secret put ASSERTION_SIGNING_KEY";
  const lines = [`Generated an ${alg} assertion signing key, kid ${kid} (its RFC 7638 thumbprint).`];
  if (process.stdout.isTTY)
    lines.push(
      `Nothing was stored. Store a new key without writing it anywhere else: ${store}`,
      "(or run `npx wrangler secret put ASSERTION_SIGNING_KEY` and paste the line above at its prompt).",
    );
  lines.push(
    "To rotate, first publish the current public key as ASSERTION_SIGNING_KEY_PREVIOUS (docs/assertion.md#rotating-the-key).",
  );
  process.stderr.write(`${lines.join("\n")}\n`);
  return 0;
}

process.exitCode = await main();
