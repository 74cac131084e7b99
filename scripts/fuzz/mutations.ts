/** Mutated tokens and requests for the fuzzer: what an attacker sends, with what must happen to it. */

import { pick, type Random, TOKEN_MUTATIONS, type TokenPool } from "./token-mutations.ts";

export { seededRandom, type TokenPool } from "./token-mutations.ts";

export type Expectation =
  /** A protected route with a credential that must not verify: never forwarded, never an identity. */
  | "refuse"
  /** An unmodified valid token, only the request around it varied: forwarded as exactly that identity. */
  | "forward"
  /** A public route: forwarded, but never with an identity header. */
  | "public";

export interface FuzzCase {
  readonly kind: string;
  readonly path: string;
  readonly headers: readonly [string, string][];
  readonly expect: Expectation;
  /** For "forward": the sub the origin must see. */
  readonly sub?: string;
}

const SPOOF_NAMES = [
  "X-Auth-Sub",
  "x-auth-sub",
  "X_AUTH_SUB",
  "x_auth-groups",
  "X-Auth-Email",
  "X-AUTH-ROLE",
  "x-auth-issuer",
  "X_Auth_Name",
];

function spoofHeaders(random: Random): [string, string][] {
  const count = Math.floor(random() * 4);
  return Array.from({ length: count }, () => [pick(random, SPOOF_NAMES), "spoofed"] as [string, string]);
}

/** The Authorization header around a token; `keepsValid` when RFC 6750 §2.1 still reads the same token. */
function schemeFor(random: Random, token: string): { value: string; keepsValid: boolean } {
  const roll = random();
  if (roll < 0.7) return { value: `Bearer ${token}`, keepsValid: true };
  if (roll < 0.8)
    return {
      value: `${pick(random, ["bearer", "BEARER", "BeArEr", "Bearer  "])} ${token}`,
      keepsValid: true,
    };
  const value = pick(random, [
    `Bearer\t${token}`,
    `Basic ${token}`,
    `Token ${token}`,
    `Bearer${token}`,
    `Bearer ${token} x`,
    `Bearer ${token}, Bearer ${token}`,
    `Bearer "${token}"`,
    `Bearer ${token};`,
  ]);
  return { value, keepsValid: false };
}

/** One request to send: mostly mutated tokens, some honest ones, some public-route probes. */
export function nextCase(random: Random, pool: TokenPool, serial: number): FuzzCase {
  const roll = random();
  const original = pick(random, pool.valid);
  const spoofed = spoofHeaders(random);
  if (roll < 0.08) {
    // A public route: whatever the request carries, no identity may arrive with it. The traversal,
    // double-encoded and case-changed spellings lead out of /public/ (or are ambiguous), so they carry
    // a token that must not verify.
    const path = pick(random, [
      `/public/${serial}`,
      "/public/..%2fprivate",
      "/public/..;/private",
      "/public/%2e%2e/private/x",
      "/public/..%252fprivate",
      "/PUBLIC/x",
    ]);
    const plain = path === `/public/${serial}`;
    const mutated = TOKEN_MUTATIONS["bit flip"]?.(original.token, random, pool) ?? "";
    const token = plain && random() < 0.5 ? original.token : mutated;
    return {
      kind: "public route",
      path,
      headers: [["authorization", `Bearer ${token}`], ...spoofed],
      expect: plain ? "public" : "refuse",
    };
  }
  if (roll < 0.15) {
    const scheme = schemeFor(random, original.token);
    return scheme.keepsValid
      ? {
          kind: "valid token",
          path: `/private/${serial}`,
          headers: [["authorization", scheme.value], ...spoofed],
          expect: "forward",
          sub: original.sub,
        }
      : {
          kind: "scheme mangling",
          path: `/private/${serial}`,
          headers: [["authorization", scheme.value], ...spoofed],
          expect: "refuse",
        };
  }
  const [kind, mutate] = pick(random, Object.entries(TOKEN_MUTATIONS));
  let token = mutate(original.token, random, pool);
  if (token === original.token) token = `${token}.`;
  const scheme = schemeFor(random, token);
  return {
    kind,
    path: `/private/${serial}`,
    headers: [["authorization", scheme.value], ...spoofed],
    expect: "refuse",
  };
}
