import type { KeyTier } from "../jwks/key-cache.ts";

/** One line per decision. Never a token, cookie or secret: only these fields exist. */
export interface Decision {
  readonly requestId: string;
  readonly route: string;
  readonly outcome:
    | "forwarded"
    | "public"
    | "refused"
    | "error"
    | "login_started"
    | "signed_in"
    | "signed_out";
  readonly credential?: "bearer" | "session";
  readonly status: number;
  readonly reason?: string;
  readonly issuer?: string;
  readonly kid?: string;
  readonly tier?: KeyTier;
  readonly sub?: string;
  readonly durationMs: number;
}

export function decisionLine(decision: Decision): Record<string, unknown> {
  return { event: "decision", ...decision };
}
