import type { FailureReason } from "../failure.ts";
import { fail, ok, type Result } from "../result.ts";
import { decodeBase64UrlStrict } from "./base64url.ts";
import { parseStrictJsonObject } from "./strict-json.ts";

/** A compact JWS that passed the strict pre-parse; nothing in it is trusted yet. */
export interface UnverifiedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly alg: string;
  readonly kid: string | undefined;
  /** "at+jwt" when `typ` says so (RFC 9068 §4: `at+jwt` or `application/at+jwt`), else "jwt". */
  readonly declaredType: DeclaredType;
  /** ASCII(BASE64URL(header) || "." || BASE64URL(payload)), what the signature covers (RFC 7515 §5.2). */
  readonly signingInput: Uint8Array;
  readonly signature: Uint8Array;
  /** The payload's bytes, not parsed: nothing reads them before the signature is checked. */
  readonly payloadBytes: Uint8Array;
}

export type DeclaredType = "jwt" | "at+jwt";

export interface PreparseFailure {
  readonly reason: FailureReason;
  readonly detail: string;
}

/**
 * Refuses anything but a canonical compact JWS before a key is involved (RFC 7515 §7.1): exactly three
 * segments of canonical base64url, a non-empty signature, a header that is a UTF-8 JSON object
 * without duplicate keys, a string `alg` from the allow-list, no `crit` (RFC 7515 §4.1.11: we
 * understand no extensions, so `b64:false` never applies), no `zip`, and `typ`, when present, "JWT"
 * or "at+jwt" (RFC 9068 §2.1; either with or without "application/", in any case) — or, when the
 * caller expects another explicit type (`logout+jwt`), one that `acceptsType` admits. `jku`, `x5u`,
 * `jwk` and `x5c` are never read. The payload is decoded but not parsed here: the verifier parses it
 * strictly once, reads only `iss` from it before the signature is checked (to choose the issuer whose
 * keys may verify it), and trusts nothing else in it until the signature holds.
 */
export function preparseCompactJws(
  token: string,
  allowedAlgorithms: readonly string[],
  acceptsType?: (typ: unknown) => boolean,
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
  const declaredType = !("typ" in header)
    ? "jwt"
    : acceptsType === undefined
      ? declaredTypeOf(header.typ)
      : acceptsType(header.typ)
        ? "jwt"
        : undefined;
  if (declaredType === undefined)
    return fail({ reason: "unsupported_token_type", detail: `typ ${printable(header.typ)}` });
  if ("cty" in header)
    return fail({ reason: "unsupported_token_type", detail: "header has cty (nested JWT)" });
  // After the alg check, so that `alg: none` with its empty signature is logged as what it is.
  if (signature.length === 0) return fail({ reason: "malformed", detail: "signature is empty" });
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== "string")
    return fail({ reason: "malformed", detail: "header kid is not a string" });

  const signingInput = ascii.encode(token.slice(0, secondDot));
  return ok({ header, alg, kid, declaredType, signingInput, signature, payloadBytes });
}

const ascii = new TextEncoder(); // the token passed the base64url alphabet check: ASCII only

/** RFC 7515 §4.1.9: a media type, compared case-insensitively, "application/" optional. */
function declaredTypeOf(typ: unknown): DeclaredType | undefined {
  if (typeof typ !== "string") return undefined;
  const type = typ.toLowerCase().replace(/^application\//, "");
  if (type === "jwt") return "jwt";
  if (type === "at+jwt") return "at+jwt";
  return undefined;
}

/** A short, log-safe rendering of a header value an attacker chose. */
function printable(value: unknown): string {
  const text = typeof value === "string" ? value : typeof value;
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
