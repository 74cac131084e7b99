import type { GateConfig } from "../config/config.ts";
import { DEFAULTS } from "../config/defaults.ts";
import { type Failure, unauthenticated, unavailable } from "../failure.ts";
import type { Runtime } from "../platform.ts";
import { fail, ok, type Result } from "../result.ts";
import { DPOP_NONCE_HEADER, type DpopNonces } from "./nonce.ts";
import { verifyDpopProof } from "./proof.ts";

/** The proof of possession a DPoP-bound token came with. */
export interface DpopBinding {
  /** The RFC 7638 thumbprint of the key the caller proved it holds (= the token's `cnf.jkt`). */
  readonly jkt: string;
  /**
   * With DPOP_NONCE = "required", when the proof's nonce is in its last window: the nonce to use
   * next, for the response's `DPoP-Nonce` header (RFC 9449 §8.2, §9), so the client need not be
   * refused to learn it.
   */
  readonly nextNonce?: string;
}

/** The request as the sender-constraint check reads it. */
export interface SenderConstraintInput {
  readonly scheme: "bearer" | "dpop";
  readonly token: string;
  /** The verified token's claims (`cnf` is read here). */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly request: Request;
}

/**
 * Enforces the token's binding (RFC 9449 §7): a token with `cnf.jkt` is accepted only as
 * `Authorization: DPoP` with exactly one `DPoP` proof that passes every check of §4.3, whose key's
 * thumbprint is `cnf.jkt` and whose `jti` the replay store has not seen; sent as Bearer it is a
 * downgrade (§7.2). A token sent as DPoP must be DPoP-bound. A plain Bearer token without `cnf`
 * passes (undefined: no binding); a `cnf` without `jkt` names a binding edge-auth cannot check, and
 * is refused. With `nonces` (DPOP_NONCE = "required"), the proof must carry a nonce edge-auth handed
 * out in this window or the last (RFC 9449 §9): without one it is `dpop_nonce_required`, with another
 * `dpop_nonce_invalid`, either answered with the current nonce. The replay store is asked last, so
 * only proofs that verified are recorded; when it does not answer the request fails closed (503,
 * `replay_store_unavailable`).
 */
export async function checkSenderConstraint(
  input: SenderConstraintInput,
  config: Pick<GateConfig, "allowedAlgorithms" | "clockLeewaySeconds">,
  rt: Runtime,
  nonces?: DpopNonces,
): Promise<Result<DpopBinding | undefined, Failure>> {
  const bound = boundThumbprint(input.claims);
  if (bound === "unsupported")
    return fail(
      unauthenticated("dpop_binding_mismatch", "cnf has no jkt (a binding edge-auth cannot check)"),
    );
  if (input.scheme === "bearer")
    return bound === undefined
      ? ok(undefined)
      : fail(unauthenticated("dpop_downgrade", "a DPoP-bound token sent as Bearer"));
  if (bound === undefined)
    return fail(unauthenticated("dpop_binding_mismatch", "token sent as DPoP has no cnf.jkt"));

  const proofs = proofHeaderValue(input.request.headers);
  if (proofs === undefined) return fail(unauthenticated("dpop_proof_missing"));
  if (proofs.includes(",")) return fail(unauthenticated("dpop_proof_invalid", "more than one DPoP header"));
  const nowMs = rt.now();
  const verified = await verifyDpopProof(proofs.trim(), {
    method: input.request.method,
    url: new URL(input.request.url),
    accessToken: input.token,
    nowSeconds: nowMs / 1000,
    allowedAlgorithms: config.allowedAlgorithms,
    windowSeconds: DEFAULTS.dpopProofWindowSeconds,
    leewaySeconds: config.clockLeewaySeconds,
  });
  if (!verified.ok) return fail(unauthenticated("dpop_proof_invalid", verified.failure));
  const { jkt, jti, acceptableUntilSeconds, nonce } = verified.value;
  if (jkt !== bound)
    return fail(unauthenticated("dpop_binding_mismatch", "cnf.jkt is not the proof key's thumbprint"));
  const nextNonce = await checkNonce(nonces, nonce, nowMs);
  if (!nextNonce.ok) return nextNonce;

  const store = rt.dpopReplay;
  const verdict = store
    ? await store.check(jkt, jti, acceptableUntilSeconds * 1000, nowMs)
    : { unavailable: "DPOP_REPLAY is not bound" };
  if (verdict === "replayed") return fail(unauthenticated("dpop_replayed"));
  if (verdict !== "fresh")
    return fail(
      unavailable("replay_store_unavailable", DEFAULTS.unavailableRetryAfterSeconds, verdict.unavailable),
    );
  return ok(nextNonce.value === undefined ? { jkt } : { jkt, nextNonce: nextNonce.value });
}

/**
 * RFC 9449 §9, when nonces are required: refuses a proof without a current nonce (with the nonce to
 * use), and gives the next nonce when the proof's is in its last window.
 */
async function checkNonce(
  nonces: DpopNonces | undefined,
  claim: unknown,
  nowMs: number,
): Promise<Result<string | undefined, Failure>> {
  if (nonces === undefined) return ok(undefined);
  const verdict = await nonces.judge(claim, nowMs);
  if (verdict === "current") return ok(undefined);
  const current = await nonces.current(nowMs);
  if (verdict === "previous") return ok(current);
  const refusal =
    verdict === "missing"
      ? unauthenticated("dpop_nonce_required")
      : unauthenticated("dpop_nonce_invalid", "not this deployment's nonce of this or the last window");
  return fail({ ...refusal, dpopNonce: current });
}

/** `cnf.jkt` when the token has one, `unsupported` for a `cnf` without a string `jkt`. */
function boundThumbprint(claims: Readonly<Record<string, unknown>>): string | "unsupported" | undefined {
  if (!("cnf" in claims)) return undefined;
  const cnf = claims.cnf;
  if (typeof cnf !== "object" || cnf === null || Array.isArray(cnf)) return "unsupported";
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === "string" && jkt.length > 0 ? jkt : "unsupported";
}

/** The `DPoP` header as sent; repeated headers arrive joined by ", " (no proof contains a comma). */
function proofHeaderValue(headers: Headers): string | undefined {
  const value = headers.get("dpop");
  return value === null || value.trim() === "" ? undefined : value;
}

/**
 * Hands a client the next nonce on a response it is served (RFC 9449 §8.2, §9: `DPoP-Nonce` may come
 * with any response) when its proof's nonce is in its last window. A relayed WebSocket's 101 is left
 * as it is.
 */
export function offerNextNonce(response: Response, binding: DpopBinding | undefined): Response {
  if (binding?.nextNonce !== undefined && response.status !== 101)
    response.headers.set(DPOP_NONCE_HEADER, binding.nextNonce);
  return response;
}
