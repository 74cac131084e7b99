import type { ApproveOptions } from "./fake-login-provider.ts";
import { type Harness, SITE } from "./harness.ts";

export interface StoredCookie {
  readonly value: string;
  /** The Set-Cookie line that set it, for attribute checks. */
  readonly line: string;
}

/** Headers of a top-level navigation (what a browser sends when the user follows a link). */
export const NAVIGATION = {
  "sec-fetch-mode": "navigate",
  "sec-fetch-site": "none",
  "sec-fetch-dest": "document",
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
} as const;

/**
 * A tiny browser for one site: keeps the cookies the worker sets (honouring Max-Age=0), sends them
 * back, and follows the login flow by hand so every hop can be inspected.
 */
export class Browser {
  readonly cookies = new Map<string, StoredCookie>();
  /** Which isolate the requests reach (the harness's own unless a test points elsewhere). */
  fetcher: Harness["fetch"];

  constructor(
    private readonly h: Harness,
    private readonly origin = SITE,
  ) {
    this.fetcher = h.fetch;
  }

  /** A navigation to a path or URL on the site, with the cookies the browser holds. */
  async visit(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers ?? NAVIGATION);
    const cookie = this.cookieHeader();
    if (cookie !== "" && !headers.has("cookie")) headers.set("cookie", cookie);
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${this.origin}${pathOrUrl}`;
    const response = await this.fetcher(url, { ...init, headers });
    this.store(response);
    return response;
  }

  /** Same-origin POST as a form on the site's own page would send it. */
  post(path: string, extra: Record<string, string> = {}): Promise<Response> {
    return this.visit(path, {
      method: "POST",
      headers: { ...NAVIGATION, "sec-fetch-site": "same-origin", origin: this.origin, ...extra },
    });
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, { value }]) => `${name}=${value}`).join("; ");
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/;\s*max-age=0(;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, { value, line });
    }
  }

  /** Starts a sign-in from a protected page (or at `/auth/login` directly); returns the provider URL. */
  async startLogin(path = "/private"): Promise<string> {
    let response = await this.visit(path);
    let location = response.headers.get("location") ?? "";
    if (response.status === 302 && location.startsWith("/auth/login")) {
      response = await this.visit(location);
      location = response.headers.get("location") ?? "";
    }
    if (response.status !== 302) throw new Error(`sign-in did not start: ${response.status}`);
    return location;
  }

  /** The whole flow: protected page → login → provider approves → callback. Returns the callback's answer. */
  async signIn(path = "/private", options: ApproveOptions = {}): Promise<Response> {
    const authorizationUrl = await this.startLogin(path);
    return this.visit(this.h.provider.approve(authorizationUrl, options));
  }
}
