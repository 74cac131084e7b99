import { isLoopbackHost } from "./secure-url.ts";

const LOGIN_INFIX = "-login-";

/**
 * The names and attributes of edge-auth's cookies for one request. Over https (and for any host that
 * is not loopback) they are `__Host-` cookies: Secure, Path=/, no Domain, so neither plain http nor a
 * sibling subdomain can set or read them. Plain http is accepted only on loopback, for local development.
 */
export interface CookieScheme {
  readonly secure: boolean;
  readonly session: string;
  /** Login transaction cookies are this prefix plus a part of their `state`. */
  readonly loginPrefix: string;
}

export function cookieScheme(requestUrl: URL, baseName: string): CookieScheme {
  const secure = requestUrl.protocol === "https:" || !isLoopbackHost(requestUrl.hostname);
  const prefix = secure ? "__Host-" : "";
  return { secure, session: `${prefix}${baseName}`, loginPrefix: `${prefix}${baseName}${LOGIN_INFIX}` };
}

/**
 * The cookies of a `Cookie` header (RFC 6265 §5.4), name to value. When a name repeats, the first one
 * counts. Values keep their bytes (edge-auth's own values never need decoding).
 */
export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    if (name === "" || cookies.has(name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  readonly secure: boolean;
  /** Omitted: a cookie for the browser session. */
  readonly maxAgeSeconds?: number;
}

/** A `Set-Cookie` value for one of edge-auth's cookies: HttpOnly, SameSite=Lax, Path=/, Secure when allowed. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  let cookie = `${name}=${value}; Path=/; HttpOnly; SameSite=Lax`;
  if (options.secure) cookie += "; Secure";
  if (options.maxAgeSeconds !== undefined)
    cookie += `; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`;
  return cookie;
}

/** A `Set-Cookie` value that makes the browser forget the cookie. */
export function expireCookie(name: string, secure: boolean): string {
  return `${serializeCookie(name, "", { secure, maxAgeSeconds: 0 })}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/**
 * Removes edge-auth's own cookies (session and login transactions, in any prefix spelling) from a
 * request's `Cookie` header before it goes to the origin; the origin's own cookies pass untouched.
 */
export function stripOwnCookies(headers: Headers, baseName: string): void {
  const header = headers.get("cookie");
  if (header === null) return;
  const kept = header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "" && !isOwnCookie(pair.split("=", 1)[0]?.trim() ?? "", baseName));
  if (kept.length === 0) headers.delete("cookie");
  else headers.set("cookie", kept.join("; "));
}

function isOwnCookie(name: string, baseName: string): boolean {
  // Browsers match the __Host-/__Secure- prefixes case-insensitively; so does this.
  const bare = name.replace(/^__(host|secure)-/i, "");
  return bare === baseName || bare.startsWith(`${baseName}${LOGIN_INFIX}`);
}
