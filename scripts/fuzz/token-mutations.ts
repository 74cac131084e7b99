/** Token mutations for the fuzzer: each takes a valid token and returns one that must not verify. */

export interface TokenPool {
  /** Tokens the issuer really signed, each with its sub. */
  readonly valid: readonly { token: string; sub: string }[];
  /** Well-formed tokens signed by a key the issuer never published (same kids as the issuer's). */
  readonly forged: readonly string[];
}

export type Random = () => number;

/** mulberry32: a small seeded generator, so a failing run can be replayed with its --seed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function toB64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}
function fromB64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}
function jsonSegment(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** Each takes a valid token and returns a different one that must not verify. */
export const TOKEN_MUTATIONS: Record<string, (token: string, random: Random, pool: TokenPool) => string> = {
  "bit flip": (token, random) => {
    const parts = token.split(".");
    const index = Math.floor(random() * 3);
    const bytes = fromB64url(parts[index] as string);
    if (bytes.length === 0) return `${token}A`;
    const at = Math.floor(random() * bytes.length);
    bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
    parts[index] = toB64url(bytes);
    return parts.join(".");
  },
  "char substitution": (token, random) => {
    const at = Math.floor(random() * token.length);
    const replacement = pick(
      random,
      [...B64URL, ".", "=", "+", "/", "~"].filter((c) => c !== token[at]),
    );
    return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
  },
  "char insertion": (token, random) => {
    const at = Math.floor(random() * (token.length + 1));
    return `${token.slice(0, at)}${pick(random, [...B64URL, "."])}${token.slice(at)}`;
  },
  "char deletion": (token, random) => {
    const at = Math.floor(random() * token.length);
    return `${token.slice(0, at)}${token.slice(at + 1)}`;
  },
  "segment shuffle": (token, random) => {
    const [h, p, s] = token.split(".") as [string, string, string];
    return pick(random, [
      `${p}.${h}.${s}`,
      `${h}.${s}.${p}`,
      `${h}.${p}`,
      `${h}.${p}.`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${h}.${s}`,
      `${h}..${s}`,
      `..`,
    ]);
  },
  "header rewrite": (token, random) => {
    const [h, p, s] = token.split(".") as [string, string, string];
    const header = JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>;
    const change = pick(random, [
      {
        alg: pick(random, [
          "none",
          "NONE",
          "None",
          "HS256",
          "HS512",
          "RS384",
          "ES256",
          "PS256",
          "EdDSA",
          "",
          null,
          1,
        ]),
      },
      {
        kid: pick(random, [
          "../../../etc/passwd",
          "' OR 1=1 --",
          "k".repeat(5000),
          1,
          null,
          ["rsa-1"],
          "rsa-1\u0000",
          "RSA-1",
        ]),
      },
      { jku: "http://127.0.0.1:9/jwks", kid: "attacker" },
      { x5u: "http://127.0.0.1:9/cert" },
      { jwk: { kty: "oct", k: "AAAA" } },
      { x5c: ["MIIB"] },
      { crit: ["exp"] },
      { b64: false, crit: ["b64"] },
      { cty: "JWT" },
      { typ: "at+jwt" },
      { zip: "DEF" },
    ]);
    return `${jsonSegment({ ...header, ...change })}.${p}.${s}`;
  },
  "payload rewrite": (token, random) => {
    const [h, p, s] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const text = JSON.stringify({
      ...claims,
      ...pick(random, [
        { sub: "admin" },
        { groups: ["admins"] },
        { exp: 4102444800 },
        { iss: `${claims.iss}/` },
        { aud: [claims.aud, "other"] },
        { email: "root@example.com" },
      ]),
    });
    const variants = [
      text,
      `${text.slice(0, -1)},"sub":"admin"}`,
      text.replace(/"exp":\d+/, '"exp":1e400'),
      text.replace(/"exp":(\d+)/, '"exp":"$1"'),
    ];
    return `${h}.${jsonSegment(pick(random, variants))}.${s}`;
  },
  "forged signature": (_token, random, pool) => pick(random, pool.forged),
  "base64 trick": (token, random) => {
    const [h, p, s] = token.split(".") as [string, string, string];
    const last = B64URL.indexOf(s.at(-1) as string);
    return pick(random, [
      `${h}.${p}.${s}==`,
      `${h}=.${p}.${s}`,
      token.replace(/-/g, "+").replace(/_/g, "/"),
      `${h}.${p}.${s.slice(0, -1)}${B64URL[last | 1]}`,
      `${Buffer.from(Buffer.from(h, "base64url")).toString("base64")}.${p}.${s}`,
      `${h}.${jsonSegment(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString("latin1"))}.${s}`,
      `${toB64url(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(h, "base64url")]))}.${p}.${s}`,
    ]);
  },
  "huge token": (token, random) => {
    const size = pick(random, [17 * 1024, 70 * 1024, 1024 * 1024]);
    const [h, p, s] = token.split(".") as [string, string, string];
    return pick(random, [
      `${h}.${p}${"A".repeat(size)}.${s}`,
      `${token}${"A".repeat(size)}`,
      `${h}.${p}.${s.repeat(Math.ceil(size / s.length))}`,
    ]);
  },
};
