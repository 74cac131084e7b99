import type { FailureReason } from "../failure.ts";

/** How a 401 asks for DPoP (RFC 9449 §7.1): the algorithms a proof may use. */
export interface DpopChallenge {
  readonly algs: readonly string[];
}

/** Reasons that concern the proof rather than the token: `invalid_dpop_proof` (RFC 9449 §7.1). */
const PROOF_REASONS: ReadonlySet<FailureReason> = new Set([
  "dpop_proof_missing",
  "dpop_proof_invalid",
  "dpop_replayed",
  "dpop_binding_mismatch",
]);

/**
 * Reasons that ask for a server nonce: `use_dpop_nonce` (RFC 9449 §8, §9), each with its
 * `error_description` (fixed text: nothing the client sent is echoed).
 */
const NONCE_DESCRIPTIONS: ReadonlyMap<FailureReason, string> = new Map([
  ["dpop_nonce_required", "Resource server requires nonce in DPoP proof"],
  ["dpop_nonce_invalid", "The DPoP proof's nonce is not current; use the one in the DPoP-Nonce header"],
]);

/**
 * Whether a refusal answers with a DPoP challenge instead of a Bearer one: on a route that requires
 * DPoP, when the client used the DPoP scheme, and for every DPoP reason (a downgrade included, so
 * the client learns to send a proof).
 */
export function wantsDpopChallenge(request: Request, requireDpop: boolean, reason: FailureReason): boolean {
  if (requireDpop || reason.startsWith("dpop_")) return true;
  return /^dpop(\s|$)/i.test(request.headers.get("authorization") ?? "");
}

/**
 * `WWW-Authenticate: DPoP realm="…", error="…", algs="…"` (RFC 9449 §7.1): `invalid_dpop_proof` for a
 * failed proof, `use_dpop_nonce` with an `error_description` for a missing or stale nonce (§8.1, §9;
 * the response carries the nonce in `DPoP-Nonce`), `error` as given otherwise (none when no
 * credential was sent).
 */
export function dpopChallengeHeader(
  realm: string,
  challenge: DpopChallenge,
  reason: FailureReason,
  error: string | undefined,
): { readonly header: string; readonly error: string | undefined } {
  const description = NONCE_DESCRIPTIONS.get(reason);
  const code = PROOF_REASONS.has(reason)
    ? "invalid_dpop_proof"
    : description === undefined
      ? error
      : "use_dpop_nonce";
  const errorPart = code === undefined ? "" : `, error="${code}"`;
  const descriptionPart = description === undefined ? "" : `, error_description="${description}"`;
  return {
    header: `DPoP realm="${realm}"${errorPart}${descriptionPart}, algs="${challenge.algs.join(" ")}"`,
    error: code,
  };
}
