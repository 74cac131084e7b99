/**
 * Variant (e) needs a browser session: this signs in through edge-auth's own login flow
 * (/auth/login → the fake provider's authorize → /auth/callback) the way a browser would, keeping the
 * cookies edge-auth sets, and returns the Cookie header a signed-in browser sends. A build without the
 * login flow says why it cannot, and the runner skips the variant.
 */

export type SessionOutcome =
  | { readonly ok: true; readonly cookie: string }
  | { readonly ok: false; readonly reason: string };

const BROWSER_HEADERS = {
  accept: "text/html,application/xhtml+xml",
  "sec-fetch-mode": "navigate",
  "sec-fetch-dest": "document",
};
const MAX_HOPS = 8;

export async function signInForSessionCookie(
  gateOrigin: string,
  returnPath: string,
  /** Called with each hop's path and duration (the latency mode times /auth/callback). */
  onHop?: (path: string, ms: number) => void,
): Promise<SessionOutcome> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  let url = new URL(`/auth/login?return_to=${encodeURIComponent(returnPath)}`, gateOrigin);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const toGate = url.origin === gateOrigin;
    const hopStartedAt = performance.now();
    const response = await fetch(url, {
      redirect: "manual",
      headers: { ...BROWSER_HEADERS, ...(toGate && jar.size > 0 ? { cookie: cookieHeader() } : {}) },
    });
    await response.body?.cancel();
    onHop?.(url.pathname, performance.now() - hopStartedAt);
    if (toGate) for (const line of response.headers.getSetCookie()) remember(jar, line);
    const location = response.headers.get("location");
    if (hop === 0 && response.status !== 302 && response.status !== 303) {
      return {
        ok: false,
        reason: `GET /auth/login answered ${response.status}, not a redirect to the provider`,
      };
    }
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      if (url.origin === gateOrigin && !url.pathname.startsWith("/auth/")) break;
      continue;
    }
    return { ok: false, reason: `the login flow stopped at ${url.pathname} with ${response.status}` };
  }
  if (jar.size === 0) return { ok: false, reason: "the login flow set no cookie" };
  const check = await fetch(new URL(returnPath, gateOrigin), {
    redirect: "manual",
    headers: { ...BROWSER_HEADERS, cookie: cookieHeader() },
  });
  await check.body?.cancel();
  if (check.status !== 200)
    return { ok: false, reason: `a request with the session cookie answered ${check.status}` };
  return { ok: true, cookie: cookieHeader() };
}

function remember(jar: Map<string, string>, setCookie: string): void {
  const pair = setCookie.split(";", 1)[0] ?? "";
  const eq = pair.indexOf("=");
  if (eq <= 0) return;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const expired = /;\s*max-age=0/i.test(setCookie) || value === "";
  if (expired) jar.delete(name);
  else jar.set(name, value);
}
