/**
 * Claims the ID token decides alone: who issued it, for whom, when, how the user authenticated, and
 * the session it belongs to. A UserInfo member of one of these names is ignored.
 */
const ID_TOKEN_CLAIMS: ReadonlySet<string> = new Set([
  "iss",
  "sub",
  "aud",
  "exp",
  "iat",
  "nbf",
  "jti",
  "nonce",
  "auth_time",
  "acr",
  "amr",
  "azp",
  "sid",
  "at_hash",
  "c_hash",
  "s_hash",
]);

/**
 * The claims route rules see for a session: the ID token's, with the UserInfo claims added (a UserInfo
 * claim replaces an ID token claim of the same name, e.g. fresher `groups`), except the registered
 * claims above, where the ID token always wins.
 */
export function withUserinfo(
  idTokenClaims: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  if (userinfo === undefined) return idTokenClaims;
  const merged: Record<string, unknown> = { ...idTokenClaims };
  for (const [name, value] of Object.entries(userinfo)) {
    if (ID_TOKEN_CLAIMS.has(name)) continue;
    // A data property even for "__proto__" (a JSON member of that name is an own property).
    Object.defineProperty(merged, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}
