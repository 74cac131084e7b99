/**
 * Replay suspicion for credentials without proof of possession (bearer ID tokens and session
 * cookies): one credential used from more than `threshold` distinct client networks within its
 * lifetime is suspicious, since a token copied from a browser or a log is replayed from elsewhere.
 *
 * Per isolate only: an isolate sees a slice of the traffic, so what it counts is a lower bound (a
 * global view would need a Durable Object per credential, a network round trip per request).
 *
 * Memory is bounded: at most `maxCredentials` credentials (least recently used evicted first), each
 * with at most `threshold + 1` network ids. Nothing raw is kept: a network is an ASN or an address
 * prefix, a credential is a few verified claims (bearer) or the session's KV key (already a hash).
 */
export class ReplaySuspicion {
  readonly #threshold: number;
  readonly #maxCredentials: number;
  /** Insertion order is use order: the first key is the least recently used. */
  readonly #seen = new Map<string, CredentialUse>();
  /** Per-isolate salt of the credential hashes, so a logged id cannot be matched across isolates or guessed. */
  #salt: number | undefined;

  constructor(options: { readonly threshold: number; readonly maxCredentials: number }) {
    this.#threshold = options.threshold;
    this.#maxCredentials = options.maxCredentials;
  }

  /** How many credentials are tracked (for tests of the bound). */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records one use of a verified credential from a network. Answers a suspicion the first time the
   * credential's network count passes the threshold (once per credential and lifetime), and whether
   * the credential is over the threshold at all (a refusing route refuses every such use).
   */
  observe(use: CredentialUseSeen, randomBytes: (length: number) => Uint8Array): Observation {
    const { network, expiresAtSeconds, nowSeconds } = use;
    this.#salt ??= new DataView(randomBytes(4).buffer).getUint32(0);
    const credentialKey = this.#keyOf(use.credential, this.#salt);
    let entry = this.#seen.get(credentialKey);
    if (entry !== undefined) {
      this.#seen.delete(credentialKey);
      if (entry.expiresAtSeconds <= nowSeconds) entry = undefined;
    }
    entry ??= { networks: [], expiresAtSeconds, reported: false };
    this.#seen.set(credentialKey, entry);
    if (this.#seen.size > this.#maxCredentials) this.#evictOldest();

    if (!entry.networks.includes(network) && entry.networks.length <= this.#threshold)
      entry.networks.push(network);
    if (entry.networks.length <= this.#threshold) return NOT_SUSPECTED;
    const firstReport = !entry.reported;
    entry.reported = true;
    return {
      suspected: true,
      firstReport,
      networks: entry.networks.length,
      credentialId: credentialKey.slice(0, 8),
    };
  }

  /**
   * Drops the least recently used entries (expired ones are dropped when next seen), down to a little below the bound:
   * a Map walks over the holes its deletions leave at the front, so one eviction per insert would
   * cost a walk per request once the map is full; a batch pays it once per 1/64 of the entries.
   */
  #evictOldest(): void {
    const target =
      this.#maxCredentials - Math.max(1, Math.floor(this.#maxCredentials / EVICTION_BATCH_DIVISOR));
    for (const key of this.#seen.keys()) {
      if (this.#seen.size <= target) return;
      this.#seen.delete(key);
    }
  }

  /**
   * Two salted 32-bit FNV-1a hashes of the credential (64 bits: no collisions to speak of among the
   * entries kept): a fixed 16 characters per entry whatever the claims' length, cheap per request.
   */
  #keyOf(credential: string, salt: number): string {
    return fnv1a(credential, salt) + fnv1a(credential, ~salt);
  }
}

function fnv1a(text: string, seed: number): string {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** One use of a verified credential (`credential` from credentialKeyOf) from one client network. */
export interface CredentialUseSeen {
  readonly credential: string;
  readonly network: string;
  readonly expiresAtSeconds: number;
  readonly nowSeconds: number;
}

interface CredentialUse {
  readonly networks: string[];
  readonly expiresAtSeconds: number;
  reported: boolean;
}

export type Observation =
  | { readonly suspected: false }
  | {
      readonly suspected: true;
      /** The first use over the threshold: the one that is logged and counted. */
      readonly firstReport: boolean;
      /** Distinct networks seen, capped at threshold + 1. */
      readonly networks: number;
      /** A salted hash that names the credential in the log (never the token or the session id). */
      readonly credentialId: string;
    };

const NOT_SUSPECTED: Observation = { suspected: false };

/** Evict 1/64 of the entries at a time when the bound is reached (see #evictOldest). */
const EVICTION_BATCH_DIVISOR = 64;

/**
 * The client network of a request: the ASN from `request.cf.asn` when Cloudflare gives one (coarse,
 * and stable when a phone moves between cells of one carrier), else the /24 (IPv4) or /48 (IPv6) of
 * `CF-Connecting-IP`. Undefined when neither is known (the request is not counted).
 */
export function clientNetwork(request: Request): string | undefined {
  const asn = (request.cf as { asn?: unknown } | undefined)?.asn;
  if (typeof asn === "number" && Number.isInteger(asn) && asn > 0) return `as${asn}`;
  const address = request.headers.get("cf-connecting-ip")?.trim();
  if (!address) return undefined;
  return addressPrefix(address);
}

/** `a.b.c` for an IPv4 address (its /24), the first three groups for IPv6 (its /48); else undefined. */
export function addressPrefix(address: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return `v4:${address.slice(0, address.lastIndexOf("."))}`;
  if (!address.includes(":") || !/^[0-9a-fA-F:.]+$/.test(address)) return undefined;
  const groups = expandIpv6(address.toLowerCase());
  return groups === undefined ? undefined : `v6:${groups.slice(0, 3).join(":")}`;
}

function expandIpv6(address: string): string[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<string>(Math.max(missing, 0)).fill("0"), ...tail];
  // An embedded IPv4 tail (::ffff:1.2.3.4) lies past the /48: the first three groups decide.
  return groups
    .slice(0, 3)
    .map((group) => (/^[0-9a-f]{1,4}$/.test(group) ? String(parseInt(group, 16)) : "?"));
}
