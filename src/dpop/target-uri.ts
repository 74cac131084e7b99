import { normalisePath } from "../policy/route-pattern.ts";

/**
 * The URI a DPoP proof's `htu` is compared with (RFC 9449 §4.3 check 9): scheme, host and port as the
 * URL parser writes them (lower case, default port dropped, dot segments resolved), the path as the
 * router reads it (`normalisePath`), and no query or fragment. Undefined for anything that is not an
 * absolute http(s) URL without user information: such an `htu` names no request edge-auth serves.
 */
export function comparableTargetUri(uri: string | URL): string | undefined {
  let url: URL;
  try {
    url = typeof uri === "string" ? new URL(uri) : uri;
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username !== "" || url.password !== "") return undefined;
  return `${url.protocol}//${url.host}${normalisePath(url.pathname)}`;
}
