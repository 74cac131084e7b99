import { isSecureUrl } from "../http/secure-url.ts";

/** The parts of an OpenID Provider's discovery document (OIDC Discovery §3) that edge-auth uses. */
export interface DiscoveryDocument {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
  readonly end_session_endpoint?: string;
  readonly userinfo_endpoint?: string;
  /**
   * RFC 9207 §3: the provider puts `iss` in every authorization response, so a callback without it is
   * refused (§2.4). Only the JSON boolean `true` counts.
   */
  readonly authorization_response_iss_parameter_supported?: true;
}

/**
 * Judges a fetched discovery document: its `issuer` must equal the configured issuer exactly
 * (OIDC Discovery §4.3) and its endpoints must be absolute https URLs (http only on loopback).
 */
export function judgeDiscovery(
  body: unknown,
  issuer: string,
): { ok: true; value: DiscoveryDocument } | { ok: false; problem: string } {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return { ok: false, problem: "not a JSON object" };
  const doc = body as Record<string, unknown>;
  if (doc.issuer !== issuer)
    return { ok: false, problem: "issuer in the document does not equal the configured issuer" };
  if (!isSecureUrl(doc.jwks_uri))
    return { ok: false, problem: "jwks_uri is missing or not a secure absolute URL" };
  for (const name of [
    "authorization_endpoint",
    "token_endpoint",
    "end_session_endpoint",
    "userinfo_endpoint",
  ]) {
    if (doc[name] !== undefined && !isSecureUrl(doc[name]))
      return { ok: false, problem: `${name} is not a secure absolute URL` };
  }
  const pick = (name: string) => (typeof doc[name] === "string" ? { [name]: doc[name] as string } : {});
  return {
    ok: true,
    value: {
      issuer,
      jwks_uri: doc.jwks_uri as string,
      ...pick("authorization_endpoint"),
      ...pick("token_endpoint"),
      ...pick("end_session_endpoint"),
      ...pick("userinfo_endpoint"),
      ...(doc.authorization_response_iss_parameter_supported === true
        ? { authorization_response_iss_parameter_supported: true as const }
        : {}),
    },
  };
}
