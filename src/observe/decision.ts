import type { ReasonCode } from "../failure.ts";
import type { KeyTier } from "../jwks/vocabulary.ts";

/**
 * What became of a request. `login_*` and `logout` are for the browser flow's endpoints; the gate
 * itself decides `forwarded`, `public` or `refused`; `error` is a bug or a broken configuration.
 */
export type DecisionOutcome =
  | "forwarded"
  | "public"
  | "refused"
  /** edge-auth answered with the caller's identity itself (`/auth/whoami`). */
  | "answered"
  | "error"
  | "login_started"
  | "login_completed"
  | "login_failed"
  | "logout";

/** Which credential the request carried: it tells API clients (bearer) from browsers (session). */
export type CredentialKind = "bearer" | "session" | "none";

/** One decision. Never a token, cookie or secret: only these fields exist, and strings are redacted. */
export interface Decision {
  /** `cf-ray` when Cloudflare sent one, so a log line can be matched to the dashboard's request. */
  readonly requestId: string;
  /** `index:pattern` of the route rule that matched, or `(default)`. */
  readonly route: string;
  readonly outcome: DecisionOutcome;
  readonly status: number;
  /** A reason code from failure.ts (`expired`, `claim_mismatch:aud`, …); absent when allowed. */
  readonly reason?: ReasonCode;
  /** Log-only detail of the reason (`expired 45s ago`). */
  readonly detail?: string;
  readonly credential?: CredentialKind;
  readonly issuer?: string;
  /** The name of the issuer that vouched for the credential ("login" for the sign-in issuer). */
  readonly issuerName?: string;
  /** The kind of token that verified: `id_token` or `access_token`. */
  readonly tokenType?: "id_token" | "access_token";
  readonly kid?: string;
  /** Where the verification key came from: memory, KV, the provider, or a stale copy. */
  readonly tier?: KeyTier;
  /** Age of the key set that served the request. */
  readonly keyAgeSeconds?: number;
  /** The verified subject (masked when it is an email address and LOG_EMAILS is off). */
  readonly sub?: string;
  /** The verified email: `***@domain` unless LOG_EMAILS is on. */
  readonly email?: string;
  /** The Cloudflare data centre that ran the request (`request.cf.colo`). */
  readonly colo?: string;
  /** The whole request, the origin's time included. */
  readonly durationMs: number;
  /** Time spent deciding, before the origin was called: edge-auth's own latency. */
  readonly authMs?: number;
  readonly keyLookupMs?: number;
  readonly verifyMs?: number;
}
