import type { IssuerPolicy, TokenType } from "../config/config.ts";
import type { Failure } from "../failure.ts";
import { fail, ok, type Result } from "../result.ts";
import type { DeclaredType } from "./compact.ts";

/**
 * What kind of token this is, and whether its issuer's routes take that kind. Explicit typing decides
 * (RFC 8725 §3.11, RFC 9068 §2.1): `typ: at+jwt` is an access token, anything else (JWT or no typ) is
 * an ID token. An issuer set to `access_token_typ = "any"` sends access tokens without that type:
 * there a token accepted as access token only is one, and for an issuer with both kinds the audience
 * decides — a client id means an ID token, one of the API audiences an access token; both or neither
 * is refused, never guessed. An ID token is never accepted as an access token, nor the other way round
 * (RFC 9068 §4: resource servers must refuse ID tokens presented as access tokens).
 */
export function tokenTypeOf(
  declared: DeclaredType,
  claims: Readonly<Record<string, unknown>>,
  issuer: IssuerPolicy,
): Result<TokenType, Failure> {
  const accepts = (type: TokenType) => issuer.tokenTypes.includes(type);
  if (declared === "at+jwt")
    return accepts("access_token")
      ? ok("access_token")
      : refuse(`an access token (typ at+jwt) where ${issuer.name} gives ID tokens only`);
  if (issuer.accessTokenTyp === "at+jwt" || !accepts("access_token"))
    return accepts("id_token")
      ? ok("id_token")
      : refuse(`typ is not at+jwt (RFC 9068 §4), and ${issuer.name} gives access tokens only`);
  if (!accepts("id_token")) return ok("access_token");

  const aud = claims.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  const forClient = audiences.some((a) => issuer.clientIds.includes(a));
  const forApi = audiences.some((a) => issuer.audiences.includes(a));
  if (forClient !== forApi) return ok(forClient ? "id_token" : "access_token");
  return refuse(
    forClient
      ? "aud names a client id and an API audience: ID token or access token?"
      : "aud names neither a client id nor an API audience of the issuer",
  );
}

function refuse(detail: string): { ok: false; failure: Failure } {
  return fail({ kind: "unauthenticated", reason: "token_type_not_allowed", detail });
}
