/** Hosts where plain http is acceptable: the developer's own machine, never the network. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Whether a URL's hostname (as `URL.hostname` gives it) is loopback. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * Whether a value is an absolute URL edge-auth may talk to or trust: https, or plain http on a
 * loopback host (local development). Anything else — other schemes, relative or unparsable URLs — is not.
 */
export function isSecureUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}
