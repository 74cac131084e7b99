import type { SecretKeys } from "../crypto/secret-keys.ts";
import type { CookieScheme } from "../http/cookies.ts";
import { encodeBase64Url } from "../jwt/base64url.ts";
import type { Platform } from "../platform.ts";
import { parseStepUpAttempt, type StepUpAttempt } from "./step-up-login.ts";

/** One sign-in attempt: what the callback must find again. Times are seconds since the epoch. */
export interface LoginTransaction {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The max_age that was sent, if any: the callback then checks auth_time (OIDC Core §3.1.3.7 rule 13). */
  readonly maxAgeSeconds?: number;
  /** The route requirement this attempt asked for: the callback checks the new ID token against it. */
  readonly stepUp?: StepUpAttempt;
}

const RANDOM_BYTES = 32; // 256 bits each for state and nonce; a 43-character PKCE verifier (RFC 7636 §4.1)
const NAME_STATE_CHARS = 16;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh attempt with its own random state, nonce and PKCE verifier. */
export function newTransaction(
  platform: Platform,
  returnTo: string,
  ttlSeconds: number,
  maxAgeSeconds: number | undefined,
  stepUp?: StepUpAttempt,
): LoginTransaction {
  const nowSeconds = Math.floor(platform.now() / 1000);
  return {
    state: encodeBase64Url(platform.randomBytes(RANDOM_BYTES)),
    nonce: encodeBase64Url(platform.randomBytes(RANDOM_BYTES)),
    codeVerifier: encodeBase64Url(platform.randomBytes(RANDOM_BYTES)),
    returnTo,
    createdAt: nowSeconds,
    expiresAt: nowSeconds + ttlSeconds,
    ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    ...(stepUp === undefined ? {} : { stepUp }),
  };
}

export function isWellFormedState(state: string): boolean {
  return STATE_PATTERN.test(state);
}

/**
 * Each attempt has its own cookie, named after its state, so several tabs signing in at once do not
 * overwrite each other's attempt.
 */
export function transactionCookieName(scheme: CookieScheme, state: string): string {
  return `${scheme.loginPrefix}${state.slice(0, NAME_STATE_CHARS)}`;
}

/** The cookie value: the attempt encrypted and authenticated for exactly this cookie name. */
export function sealTransaction(
  transaction: LoginTransaction,
  cookieName: string,
  secrets: SecretKeys,
  platform: Platform,
): Promise<string> {
  return secrets.seal("login-transaction", JSON.stringify(transaction), cookieName, platform);
}

/** The attempt in a cookie, if the cookie is ours and unaltered (expiry is the caller's to judge). */
export async function openTransaction(
  cookieValue: string,
  cookieName: string,
  secrets: SecretKeys,
): Promise<LoginTransaction | undefined> {
  const text = await secrets.open("login-transaction", cookieValue, cookieName);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as LoginTransaction;
    const strings = [parsed.state, parsed.nonce, parsed.codeVerifier, parsed.returnTo];
    if (!strings.every((value) => typeof value === "string")) return undefined;
    if (!Number.isFinite(parsed.createdAt) || !Number.isFinite(parsed.expiresAt)) return undefined;
    if (parsed.maxAgeSeconds !== undefined && !Number.isInteger(parsed.maxAgeSeconds)) return undefined;
    if (parsed.stepUp !== undefined && !parseStepUpAttempt(parsed.stepUp)) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** The names of the login transaction cookies a request carries. */
export function transactionCookieNames(cookies: ReadonlyMap<string, string>, scheme: CookieScheme): string[] {
  return [...cookies.keys()].filter((name) => name.startsWith(scheme.loginPrefix));
}

/**
 * Which pending attempts to drop before a new one starts: unreadable or expired ones, and the oldest
 * beyond `maxPending - 1`, so a browser never carries more than `maxPending` of them.
 */
export async function transactionsToDrop(
  cookies: ReadonlyMap<string, string>,
  scheme: CookieScheme,
  secrets: SecretKeys,
  nowSeconds: number,
  maxPending: number,
): Promise<string[]> {
  const drop: string[] = [];
  const live: { name: string; createdAt: number }[] = [];
  for (const name of transactionCookieNames(cookies, scheme)) {
    const transaction = await openTransaction(cookies.get(name) ?? "", name, secrets);
    if (!transaction || nowSeconds >= transaction.expiresAt) drop.push(name);
    else live.push({ name, createdAt: transaction.createdAt });
  }
  live.sort((a, b) => a.createdAt - b.createdAt);
  while (live.length > maxPending - 1) drop.push((live.shift() as { name: string }).name);
  return drop;
}
