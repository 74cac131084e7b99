/** What edge-auth does with `X-Forwarded-*`: always strip the client's; with `set`, write its own. */
export type ForwardedHeadersMode = "strip" | "set";

/**
 * For origins that need them (`FORWARDED_HEADERS = "set"`): `X-Forwarded-For` from `CF-Connecting-IP`
 * (the address Cloudflare's edge saw; a client cannot set it there), `X-Forwarded-Proto` and
 * `X-Forwarded-Host` from the URL the worker was called with. Never from anything the client sent:
 * the client's copies are already gone (routing-headers.ts).
 */
export function setForwardedHeaders(headers: Headers, request: Request, url: URL): void {
  const clientAddress = request.headers.get("cf-connecting-ip");
  if (clientAddress !== null && clientAddress !== "") headers.set("x-forwarded-for", clientAddress);
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  headers.set("x-forwarded-host", url.host);
}
