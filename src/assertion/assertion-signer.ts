import { encodeBase64Url } from "../jwt/base64url.ts";
import { fail, ok, type Result } from "../result.ts";
import type { AssertionSettings } from "./assertion-config.ts";
import type { AssertionClaimSet } from "./claims.ts";
import { AssertionReuseCache, type ReuseCacheLimits } from "./reuse-cache.ts";
import type {
  AssertionAlgorithm,
  AssertionPublishedKey,
  AssertionSigningJwk,
  PublicKeyMembers,
} from "./signing-key.ts";
import { jwkThumbprint } from "./thumbprint.ts";

/** The JOSE `typ` of an assertion (RFC 8725 §3.11: explicit typing), so no other JWT passes for one. */
export const ASSERTION_TYPE = "edge-auth-assertion+jwt";

/** A key as published in `/auth/jwks.json`: public members only. */
export type PublishedJwk = PublicKeyMembers & {
  readonly kid: string;
  readonly alg: AssertionAlgorithm;
  readonly use: "sig";
};

/** What signing answered: the assertion, and whether it was reused rather than signed now. */
export interface SignedAssertion {
  readonly jwt: string;
  readonly reused: boolean;
}

interface ReadyKey {
  readonly privateKey: CryptoKey;
  /** The protected header, already base64url-encoded: it is the same for every assertion. */
  readonly encodedHeader: string;
}

type SignParams = Parameters<SubtleCrypto["sign"]>[0];
type ImportParams = Parameters<SubtleCrypto["importKey"]>[2];

const SIGN_PARAMS: Readonly<Record<AssertionAlgorithm, SignParams>> = {
  ES256: { name: "ECDSA", hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
};
const IMPORT_PARAMS: Readonly<Record<AssertionAlgorithm, ImportParams>> = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  EdDSA: { name: "Ed25519" },
};
const SELF_TEST = new TextEncoder().encode("edge-auth assertion key self-test");
const encoder = new TextEncoder();

/**
 * Signs assertions with ASSERTION_SIGNING_KEY and publishes the public keys. One per isolate and
 * configuration: the private key is imported once (and proven to match its published public part by
 * a sign-and-verify), and a signed assertion is reused for the same claim set until half its lifetime
 * has passed, so steady traffic costs a map lookup, not a signature. Holds values, never promises.
 */
export class AssertionSigner {
  readonly #settings: AssertionSettings;
  readonly #reuse: AssertionReuseCache;
  #ready: ReadyKey | undefined;
  /** Why the key cannot sign; it will not change for this configuration, so it is remembered. */
  #unusable: string | undefined;
  #jwks: { readonly keys: readonly PublishedJwk[] } | undefined;

  constructor(settings: AssertionSettings, limits: ReuseCacheLimits) {
    this.#settings = settings;
    this.#reuse = new AssertionReuseCache(limits);
  }

  /**
   * The assertion for this claim set at `nowMs`: the one signed earlier while less than half its
   * lifetime has passed, else a new one. Fails only when the configured key cannot sign (the reason,
   * never the key, is in the failure).
   */
  async assertionFor(claims: AssertionClaimSet, nowMs: number): Promise<Result<SignedAssertion, string>> {
    const now = Math.floor(nowMs / 1000);
    const key = JSON.stringify(claims);
    const known = this.#reuse.recall(key);
    const { lifetimeSeconds } = this.#settings;
    if (known !== undefined && now >= known.issuedAt && now - known.issuedAt < lifetimeSeconds / 2)
      return ok({ jwt: known.jwt, reused: true });
    const ready = await this.#readyKey();
    if (!ready.ok) return ready;
    // The claim set's JSON with the times appended: one serialisation serves as key and payload.
    const payload = `${key.slice(0, -1)},"iat":${now},"exp":${now + lifetimeSeconds}}`;
    const signingInput = `${ready.value.encodedHeader}.${encodeBase64Url(encoder.encode(payload))}`;
    const signature = await crypto.subtle.sign(
      SIGN_PARAMS[this.#settings.current.alg],
      ready.value.privateKey,
      encoder.encode(signingInput),
    );
    const jwt = `${signingInput}.${encodeBase64Url(new Uint8Array(signature))}`;
    this.#reuse.remember(key, { jwt, issuedAt: now });
    return ok({ jwt, reused: false });
  }

  /** The key set origins verify with: the current key, then the previous one (when set and different). */
  async publicJwks(): Promise<{ readonly keys: readonly PublishedJwk[] }> {
    if (this.#jwks) return this.#jwks;
    const { current, previous } = this.#settings;
    const keys = [await publish(current)];
    if (previous) {
      const old = await publish(previous);
      if (old.kid !== keys[0]?.kid) keys.push(old);
    }
    this.#jwks = { keys };
    return this.#jwks;
  }

  async #readyKey(): Promise<Result<ReadyKey, string>> {
    if (this.#ready) return ok(this.#ready);
    if (this.#unusable !== undefined) return fail(this.#unusable);
    const { current } = this.#settings;
    try {
      const privateKey = await crypto.subtle.importKey(
        "jwk",
        { ...current.privateJwk },
        IMPORT_PARAMS[current.alg],
        false,
        ["sign"],
      );
      if (!(await matchesPublicPart(privateKey, current))) {
        this.#unusable = "its private part (d) does not belong to its public part";
        return fail(this.#unusable);
      }
      const kid = await jwkThumbprint(current.publicMembers);
      const header = JSON.stringify({ alg: current.alg, kid, typ: ASSERTION_TYPE });
      this.#ready = { privateKey, encodedHeader: encodeBase64Url(encoder.encode(header)) };
      return ok(this.#ready);
    } catch (error) {
      this.#unusable = `the key cannot be imported for signing (${error instanceof Error ? error.name : "unknown"})`;
      return fail(this.#unusable);
    }
  }
}

async function publish(key: AssertionPublishedKey): Promise<PublishedJwk> {
  return { ...key.publicMembers, kid: await jwkThumbprint(key.publicMembers), alg: key.alg, use: "sig" };
}

/** A key whose `d` does not belong to its `x`/`y` would sign what no origin can verify: refuse it. */
async function matchesPublicPart(privateKey: CryptoKey, key: AssertionSigningJwk): Promise<boolean> {
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { ...key.publicMembers },
    IMPORT_PARAMS[key.alg],
    false,
    ["verify"],
  );
  const signature = await crypto.subtle.sign(SIGN_PARAMS[key.alg], privateKey, SELF_TEST);
  return crypto.subtle.verify(SIGN_PARAMS[key.alg], publicKey, signature, SELF_TEST);
}
