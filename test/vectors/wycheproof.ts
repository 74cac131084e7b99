import { env } from "cloudflare:workers";
import type { JWK } from "jose";
import type { GateConfig } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import type { Failure } from "../../src/failure.ts";
import { ingestJwks, type KeySet, selectKeys } from "../../src/jwks/key-set.ts";
import type { KeySource } from "../../src/jwks/key-source.ts";
import { encodeBase64Url } from "../../src/jwt/base64url.ts";
import type { Runtime } from "../../src/platform.ts";
import { fail, ok } from "../../src/result.ts";

/**
 * Project Wycheproof (C2SP/wycheproof at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166, Apache-2.0, see
 * ./wycheproof/LICENSE), vendored unedited. Each file's sha256 is pinned so a silent edit fails the tests.
 */
export const VENDORED_SHA256: Readonly<Record<string, string>> = {
  LICENSE: "58d1e17ffe5109a7ae296caafcadfdbe6a7d176f0bc4ab01e12a689b0499d8bd",
  "json_web_signature_test.json": "8e687a06fe8359f4ec51480f1a9f73c8faebd6f4c01b818b843b44eee54fd5d9",
  "rsa_signature_2048_sha256_test.json": "94a917b01ff50fb874cfc05bf29b4af44868d944a6558201cf18380da93fb393",
  "rsa_pss_2048_sha256_mgf1_32_test.json": "7f6efafc160f4816b96cbf1c12188a31051d7e3f001e27505d9edb5f2a0e325c",
  "ecdsa_secp256r1_sha256_p1363_test.json":
    "c60de693930e386c3a5472d08081623ef8504decc54b38ac01ec6b2a2575c986",
  "ecdsa_secp384r1_sha384_p1363_test.json":
    "e27344bf6daae75fa19663620883809f91c79fc4b4420eff9eae8036b34476be",
  "ed25519_test.json": "752d2ea7d7c6cf4736381b6cbacb61f8182b126ab7cd9b058f00c50084975536",
  "ecdsa_secp256r1_sha256_test.json": "182db4f3e230f6f9fa9f800d2a614dede30284b8e8438bbfe1171905402e9332",
};

export type WycheproofResult = "valid" | "invalid" | "acceptable";

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** The configuration the worker would compile from a minimal environment: default allow-list and caps. */
export function defaultConfig(): GateConfig {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://issuer.test",
    OIDC_CLIENT_ID: "client-1",
    AUTH_ROUTES: [{ pattern: "*" }],
  });
  if (!loaded.ok) throw new Error("the default test configuration must load");
  return loaded.value;
}

/** A runtime for calling the verifier directly; it never goes to the network. */
export function offlineRuntime(): Runtime {
  return {
    now: () => Date.UTC(2026, 10, 22, 12, 0, 0),
    fetch: async (request) => {
      throw new Error(`the verifier must not fetch (${request.url})`);
    },
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    log: () => {},
    kv: env.AUTH_KV,
    waitUntil: () => {},
  };
}

/**
 * The issuer's JWKS as the worker would hold it after ingestion: the same hygiene (`ingestJwks`) and
 * the same choice of keys for a token's kid and alg (`selectKeys`), without the cache around them.
 */
export async function keySourceFor(document: { keys: unknown[] }): Promise<{
  source: KeySource;
  keySet: KeySet;
  dropped: readonly { reason: string }[];
}> {
  const ingested = await ingestJwks(document);
  if (!ingested) throw new Error("not a JWKS");
  const { keySet, dropped } = ingested;
  const source: KeySource = {
    keysFor: async (_rt, kid, alg) => {
      const keys = selectKeys(keySet, kid, alg);
      if (keys.length === 0)
        return fail<Failure>({ kind: "unauthenticated", reason: "unknown_kid", detail: "no fitting key" });
      return ok({ keys, tier: "memory" as const, ageSeconds: 0 });
    },
  };
  return { source, keySet, dropped };
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/** What an issuer would publish for a Wycheproof key: the JWK without its private members. */
export function publicPartOf(jwk: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name)));
}

/** A P-256 public JWK from Wycheproof's `publicKey.wx`/`wy` (hex, possibly with a leading 00). */
export function ecJwkFromHex(wx: string, wy: string, crv: string, size: number): JWK {
  const coordinate = (hex: string) => {
    const bytes = hexToBytes(hex.length % 2 === 0 ? hex : `0${hex}`);
    const trimmed = bytes.slice(Math.max(0, bytes.length - size));
    const padded = new Uint8Array(size);
    padded.set(trimmed, size - trimmed.length);
    return encodeBase64Url(padded);
  };
  return { kty: "EC", crv, x: coordinate(wx), y: coordinate(wy) };
}

/**
 * Reads an ECDSA-Sig-Value (SEQUENCE of two INTEGERs, X9.62) in strict DER and returns R‖S of the
 * given size, or undefined when it is not such a value or an integer does not fit.
 */
export function derToRawSignature(der: Uint8Array, size: number): Uint8Array | undefined {
  let at = 0;
  const readLength = (): number | undefined => {
    const first = der[at++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first !== 0x81) return undefined;
    const value = der[at++];
    return value !== undefined && value >= 0x80 ? value : undefined;
  };
  if (der[at++] !== 0x30) return undefined;
  const sequenceLength = readLength();
  if (sequenceLength === undefined || at + sequenceLength !== der.length) return undefined;
  const raw = new Uint8Array(2 * size);
  for (const slot of [0, 1]) {
    if (der[at++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || length === 0 || at + length > der.length) return undefined;
    let integer = der.slice(at, at + length);
    at += length;
    if ((integer[0] as number) & 0x80) return undefined; // negative
    if (integer.length > 1 && integer[0] === 0 && !((integer[1] as number) & 0x80)) return undefined;
    while (integer.length > 1 && integer[0] === 0) integer = integer.slice(1);
    if (integer.length > size) return undefined;
    raw.set(integer, slot * size + size - integer.length);
  }
  return at === der.length ? raw : undefined;
}
