import type { FailureReason } from "../failure.ts";

/** The one place jose's errors become reasons, by their stable `code`. */
export function reasonForJoseError(error: unknown): FailureReason {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "bad_signature";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "alg_not_allowed";
    case "ERR_JWS_INVALID":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "malformed";
    case "ERR_JWT_EXPIRED":
      return "expired";
    default:
      // A key jose refuses for this alg (e.g. a too-short RSA modulus) verifies nothing.
      return "bad_signature";
  }
}
