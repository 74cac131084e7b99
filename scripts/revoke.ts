/**
 * Emergency revocation (docs/operations.md). Reads the issuer's revocation document from the AUTH_KV
 * namespace with `wrangler kv key get`, changes it, writes it back with `wrangler kv key put`, and prints
 * what it wrote. edge-auth refuses matching tokens within KV's propagation (~60 s) plus
 * REVOCATION_CACHE_SECONDS. With --url (the site edge-auth serves) and REVOCATION_ADMIN_TOKEN in the
 * environment, it then also records the entry (or its removal) in the revocation fence through
 * `POST <url>/auth/revoke`, and every location refuses it within REVOCATION_FENCE_INTERVAL_MS (500 ms).
 *
 *   npm run revoke -- --sub alice --ttl 1h [--reason "INC-42"] [--keep-new]
 *   npm run revoke -- --sid 08a5019c-… --ttl 30m
 *   npm run revoke -- --kid 2019-signing-key --ttl 7d
 *   npm run revoke -- --remove --sub alice
 *   npm run revoke -- --list
 *
 * Every form takes --local (the dev KV under .wrangler/state; default: the deployed namespace,
 * `--remote`), --env NAME, --config FILE, --issuer URL (default: OIDC_ISSUER of the config), --dry-run,
 * --url URL (e.g. https://app.example.com, or http://127.0.0.1:8787 for `npm start`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import {
  addRevocation,
  MAX_REVOCATION_TTL_SECONDS,
  MIN_REVOCATION_TTL_SECONDS,
  parseDuration,
  parseRevocationDocument,
  type RevocationDocument,
  type RevocationEntry,
  type RevocationType,
  removeRevocation,
  revocationKey,
} from "../src/revocation/revocation-document.ts";

const DEFAULT_TTL = "24h"; // edge-auth's default MAX_TOKEN_LIFETIME_SECONDS: every token out there has expired by then

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    sid: { type: "string" },
    kid: { type: "string" },
    ttl: { type: "string", default: DEFAULT_TTL },
    reason: { type: "string" },
    "keep-new": { type: "boolean", default: false },
    remove: { type: "boolean", default: false },
    list: { type: "boolean", default: false },
    local: { type: "boolean", default: false },
    env: { type: "string" },
    config: { type: "string", default: "wrangler.toml" },
    issuer: { type: "string" },
    binding: { type: "string", default: "AUTH_KV" },
    "dry-run": { type: "boolean", default: false },
    url: { type: "string" },
  },
});

function usage(message: string): never {
  console.error(`revoke: ${message}`);
  console.error(
    "usage: npm run revoke -- (--sub S | --sid S | --kid K) [--ttl 1h] [--reason TEXT] [--keep-new] [--local]",
  );
  console.error("       npm run revoke -- --remove (--sub S | --sid S | --kid K) [--local]");
  console.error("       npm run revoke -- --list [--local]");
  process.exit(2);
}

const targets = (["sub", "sid", "kid"] as const).filter((type) => values[type] !== undefined);
if (!values.list && targets.length !== 1) usage("name exactly one of --sub, --sid, --kid (or use --list)");

const issuer = values.issuer ?? readIssuer();
const key = revocationKey(issuer);
const where = values.local ? "local dev KV (.wrangler/state)" : "the deployed KV namespace";
const nowSeconds = Math.floor(Date.now() / 1000);

const stored = wrangler(["kv", "key", "get", key, "--text"]);
const text = stored.trimEnd() === "Value not found" ? null : stored;
const parsed = parseRevocationDocument(text, issuer, nowSeconds);
if (!parsed.ok) {
  console.error(`revoke: the stored document at ${JSON.stringify(key)} is unreadable (${parsed.failure}).`);
  console.error("Fix or delete it with `npx wrangler kv key put/delete` before revoking.");
  process.exit(1);
}
const current = parsed.value.document;

if (values.list) {
  printDocument(current, `${key} in ${where}`);
  process.exit(0);
}

const type = targets[0] as RevocationType;
const value = values[type] as string;
let next: RevocationDocument;
let fenceBody: Record<string, unknown>;
if (values.remove) {
  next = removeRevocation(current, type, value, nowSeconds);
  fenceBody = { type, value, lift: true };
  if (next.entries.length === current.entries.length)
    console.log(`No live ${type} entry for ${JSON.stringify(value)}; pruning expired entries only.`);
} else {
  const ttlSeconds = parseDuration(values.ttl ?? DEFAULT_TTL);
  if (ttlSeconds === undefined)
    usage(`--ttl ${JSON.stringify(values.ttl)} is not a duration like 90s, 15m, 1h, 7d`);
  if (ttlSeconds < MIN_REVOCATION_TTL_SECONDS || ttlSeconds > MAX_REVOCATION_TTL_SECONDS)
    usage(`--ttl must be between ${MIN_REVOCATION_TTL_SECONDS}s and ${MAX_REVOCATION_TTL_SECONDS / 86_400}d`);
  const entry: RevocationEntry = {
    type,
    value,
    createdAt: nowSeconds,
    expiresAt: nowSeconds + ttlSeconds,
    ...(values["keep-new"] ? { issuedBefore: nowSeconds } : {}),
    ...(values.reason === undefined ? {} : { reason: values.reason }),
  };
  const added = addRevocation(current, entry, nowSeconds);
  if (!added.ok) usage(added.failure);
  next = added.value;
  fenceBody = {
    type,
    value,
    expiresAt: entry.expiresAt,
    ...(entry.issuedBefore === undefined ? {} : { issuedBefore: entry.issuedBefore }),
  };
  console.log(
    `Revoking ${type} ${JSON.stringify(value)} for issuer ${issuer} until ${iso(entry.expiresAt)}.`,
  );
}

const json = JSON.stringify(next, null, 2);
const adminToken = process.env.REVOCATION_ADMIN_TOKEN;
if (values.url !== undefined && !adminToken)
  usage("--url needs REVOCATION_ADMIN_TOKEN in the environment (the secret the worker has)");
if (values["dry-run"]) {
  console.log(`Dry run: would write to ${JSON.stringify(key)} in ${where}:`);
  console.log(json);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "edge-auth-revoke-"));
try {
  const file = join(dir, "revocations.json");
  writeFileSync(file, json);
  wrangler(["kv", "key", "put", key, "--path", file]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`Wrote ${JSON.stringify(key)} in ${where}:`);
console.log(json);
if (values.url === undefined) {
  console.log(
    "edge-auth refuses matching tokens within ~60 s (KV propagation) plus REVOCATION_CACHE_SECONDS.",
  );
  console.log(
    "Pass --url (with REVOCATION_ADMIN_TOKEN set) to have every location refuse them within a second.",
  );
} else {
  await tellFence(values.url, adminToken as string, fenceBody);
}

/** Records the change in the revocation fence through the worker's admin endpoint. */
async function tellFence(site: string, token: string, body: Record<string, unknown>): Promise<void> {
  const endpoint = new URL("/auth/revoke", site);
  let answer: string;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    answer = `${response.status} ${await response.text()}`;
    if (response.ok) {
      console.log(`Recorded in the revocation fence (${endpoint.href}): ${answer}`);
      console.log(
        "Every location refuses matching tokens within REVOCATION_FENCE_INTERVAL_MS (500 ms by default).",
      );
      return;
    }
  } catch (error) {
    answer = error instanceof Error ? error.message : String(error);
  }
  console.error(`revoke: KV was written, but ${endpoint.href} did not record it in the fence: ${answer}`);
  console.error(
    "KV's propagation (~60 s) still applies. Check REVOCATION_ADMIN_TOKEN and the REVOCATION_FENCE binding.",
  );
  process.exit(1);
}

function readIssuer(): string {
  const config = unstable_readConfig(
    { config: values.config, ...(values.env ? { env: values.env } : {}) },
    { hideWarnings: true },
  );
  const configured = config.vars?.OIDC_ISSUER;
  if (typeof configured !== "string" || configured === "")
    usage(`no OIDC_ISSUER in ${values.config}${values.env ? ` (env ${values.env})` : ""}; pass --issuer`);
  return configured;
}

/** Runs `npx wrangler …` against the bound namespace and returns its standard output. */
function wrangler(args: string[]): string {
  const full = [
    "wrangler",
    ...args,
    "--binding",
    values.binding ?? "AUTH_KV",
    "--config",
    values.config ?? "wrangler.toml",
    ...(values.env ? ["--env", values.env] : []),
    values.local ? "--local" : "--remote",
  ];
  const run = spawnSync("npx", full, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (run.status !== 0) {
    console.error(`revoke: \`npx ${full.join(" ")}\` failed (exit ${run.status ?? run.signal}):`);
    console.error(run.stderr.trim() || run.stdout.trim());
    process.exit(1);
  }
  return run.stdout;
}

function printDocument(document: RevocationDocument, label: string): void {
  const live = document.entries.filter((entry) => entry.expiresAt > nowSeconds);
  console.log(`${label}: ${live.length} live entr${live.length === 1 ? "y" : "ies"}`);
  for (const entry of live) {
    const only = entry.issuedBefore === undefined ? "" : `, only issued before ${iso(entry.issuedBefore)}`;
    const why = entry.reason === undefined ? "" : ` (${entry.reason})`;
    console.log(`  ${entry.type} ${JSON.stringify(entry.value)} until ${iso(entry.expiresAt)}${only}${why}`);
  }
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
