/**
 * Host patterns of route rules (`host = "docs.example.com"`, `host = "*.example.com"`): a hostname in
 * lower case, or `*.` and a hostname for any host one label below it (`a.example.com`, not
 * `example.com`, not `a.b.example.com`), the convention of TLS wildcard certificates (RFC 6125 §6.4.3).
 * No scheme, port or path: a rule applies to the host on every port, as cookies do (RFC 6265 §8.5).
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_HOST_LENGTH = 253;
/** The characters a port, path, query, fragment, userinfo or IPv6 literal would bring. */
const URL_PARTS = /[:/?#@[\]\\]/;

/** Why a host pattern is not one, with the fix; undefined when it is. Letter case does not matter. */
export function hostPatternProblem(pattern: string): string | undefined {
  const got = `(got ${JSON.stringify(pattern)})`;
  if (pattern.includes("://")) return `must be a hostname without a scheme, e.g. "docs.example.com" ${got}`;
  if (URL_PARTS.test(pattern))
    return `must be a hostname without port, path or brackets, e.g. "docs.example.com"; a rule applies on every port ${got}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (/[^\x00-\x7f]/.test(pattern)) {
    const ascii = asciiForm(pattern);
    return `must be written in its ASCII (xn--) form${ascii === undefined ? "" : `, "${ascii}"`} ${got}`;
  }
  const lower = pattern.toLowerCase();
  if (lower.endsWith("."))
    return `must not end with "." (write ${JSON.stringify(lower.replace(/\.+$/, ""))}; requests for the name with a trailing dot match it) ${got}`;
  const wildcard = lower.startsWith("*.");
  const name = wildcard ? lower.slice(2) : lower;
  if (name.includes("*")) return `"*" is only allowed as the whole first label, as in "*.example.com" ${got}`;
  if (
    name.length === 0 ||
    name.length > MAX_HOST_LENGTH ||
    !name.split(".").every((label) => LABEL.test(label))
  )
    return `must be a hostname: labels of letters, digits and "-" separated by "." ${got}`;
  return undefined;
}

function asciiForm(pattern: string): string | undefined {
  const wildcard = pattern.startsWith("*.");
  try {
    const host = new URL(`http://${wildcard ? pattern.slice(2) : pattern}/`).hostname;
    return wildcard ? `*.${host}` : host;
  } catch {
    return undefined;
  }
}

/**
 * The request's host as host rules see it: the URL parser has lower-cased it and decoded escapes;
 * one trailing dot (the DNS root, `docs.example.com.`) is the same host and is removed. A host with an
 * empty label after that (`docs..example.com`, `docs.example.com..`) is no DNS name, and origins
 * disagree on what it means: undefined, so the request is refused rather than judged by a guess.
 */
export function requestHostForRules(hostname: string): string | undefined {
  const host = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (host === "" || host.startsWith(".") || host.endsWith(".") || host.includes("..")) return undefined;
  return host;
}

/** The parent a wildcard pattern of the host would name (`a.example.com` → `example.com`). */
export function wildcardParentOf(host: string): string | undefined {
  const dot = host.indexOf(".");
  return dot === -1 ? undefined : host.slice(dot + 1);
}
