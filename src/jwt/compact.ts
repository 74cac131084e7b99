import type { FailureReason } from "../failure.ts";
import { fail, ok, type Result } from "../result.ts";
import { decodeBase64UrlStrict } from "./base64url.ts";
import { parseStrictJsonObject } from "./strict-json.ts";

/** A compact JWS that passed the strict pre-parse; nothing in it is trusted yet. */
export interface UnverifiedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly alg: string;
  readonly kid: string | undefined;
  /** ASCII(BASE64URL(header) || "." || BASE64URL(payload)), what the signature covers (RFC 7515 §5.2). */
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
  /** The payload's bytes, not parsed: nothing reads them before the signature is checked. */
  readonly payloadBytes: Uint8Array;
}

export interface PreparseFailure {
  readonly reason: FailureReason;
  readonly detail: string;
}

/**
 * Refuses anything but a canonical compact JWS before a key is involved (RFC 7515 §7.1): exactly three
 * segments of canonical base64url, a non-empty signature, a header that is a UTF-8 JSON object
 * without duplicate keys, a string `alg` from the allow-list, no `crit` (RFC 7515 §4.1.11: we
 * understand no extensions, so `b64:false` never applies), no `zip`, and `typ`, when present, one that
 * `acceptsType` admits ("JWT" unless the caller expects another explicit type, e.g. `logout+jwt`).
 * `jku`, `x5u`, `jwk` and `x5c` are never read. The payload is decoded but not parsed: only a payload
 * whose signature verified is ever read (`verifyIdToken` parses it strictly).
 */
export function preparseCompactJws(
  token: string,
  allowedAlgorithms: readonly string[],
  acceptsType: (typ: unknown) => boolean = isJwtType,
): Result<UnverifiedJws, PreparseFailure> {
  const firstDot = token.indexOf(".");
  const secondDot = token.indexOf(".", firstDot + 1);
  if (firstDot <= 0 || secondDot === -1 || token.indexOf(".", secondDot + 1) !== -1) {
    return fail({ reason: "malformed", detail: "not three dot-separated segments" });
  }
  const headerBytes = decodeBase64UrlStrict(token.slice(0, firstDot));
  const payloadBytes = decodeBase64UrlStrict(token.slice(firstDot + 1, secondDot));
  const signature = decodeBase64UrlStrict(token.slice(secondDot + 1));
  if (!headerBytes || !payloadBytes || !signature)
    return fail({ reason: "malformed", detail: "segment is not canonical base64url" });

  const header = parseStrictJsonObject(headerBytes);
  if (!header) return fail({ reason: "malformed", detail: "header is not a JSON object (or repeats a key)" });
  const alg = header.alg;
  if (typeof alg !== "string") return fail({ reason: "malformed", detail: "header alg is not a string" });
  if (!allowedAlgorithms.includes(alg))
    return fail({ reason: "alg_not_allowed", detail: `alg ${printable(alg)}` });
  if ("crit" in header) return fail({ reason: "crit_not_supported", detail: "header has crit" });
  if ("b64" in header || "zip" in header)
    return fail({ reason: "malformed", detail: "header has b64 or zip" });
  if ("typ" in header && !acceptsType(header.typ))
    return fail({ reason: "unsupported_token_type", detail: `typ ${printable(header.typ)}` });
  if ("cty" in header)
    return fail({ reason: "unsupported_token_type", detail: "header has cty (nested JWT)" });
  // After the alg check, so that `alg: none` with its empty signature is logged as what it is.
  if (signature.length === 0) return fail({ reason: "malformed", detail: "signature is empty" });
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== "string")
    return fail({ reason: "malformed", detail: "header kid is not a string" });

  const signingInput = ascii.encode(token.slice(0, secondDot));
  return ok({ header, alg, kid, signingInput, signature, payloadBytes });
}

const ascii = new TextEncoder(); // the token passed the base64url alphabet check: ASCII only

/** RFC 7519 §5.1: `JWT` (or `application/jwt`), compared without regard to case. */
export function isJwtType(typ: unknown): boolean {
  return typeof typ === "string" && (typ.toUpperCase() === "JWT" || typ.toLowerCase() === "application/jwt");
}

/** A short, log-safe rendering of a header value an attacker chose. */
function printable(value: unknown): string {
  const text = typeof value === "string" ? value : typeof value;
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
