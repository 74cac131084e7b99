import { request as httpRequest } from "node:http";

export interface Hop {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly location: string | null;
}

/**
 * A browser reduced to what the login flow needs: a cookie jar per host (path and expiry honoured
 * only as far as deletion goes), manual redirects with every hop recorded, Fetch Metadata headers of
 * a top-level navigation, and two transports — requests for the worker's public origin go over
 * node:http to Miniflare's socket with that origin as Host (so the worker sees its public URL and
 * exactly these headers), everything else (the provider) through fetch.
 */
export class TestBrowser {
  readonly jars = new Map<string, Map<string, string>>();
  readonly #workerSocket: URL;
  readonly workerOrigin: string;

  constructor(workerSocket: URL, workerOrigin: string) {
    this.#workerSocket = workerSocket;
    this.workerOrigin = workerOrigin;
  }

  jar(url: string): Map<string, string> {
    const host = new URL(url).host;
    let jar = this.jars.get(host);
    if (!jar) {
      jar = new Map();
      this.jars.set(host, jar);
    }
    return jar;
  }

  /** Sends one request as a navigation from `referrerOrigin` (undefined: typed into the address bar). */
  async request(
    url: string,
    init: { method?: string; body?: string; headers?: Record<string, string>; referrerOrigin?: string } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const jar = this.jar(url);
    const headers: Record<string, string> = {
      accept: "text/html,application/xhtml+xml,*/*;q=0.8",
      "sec-fetch-mode": "navigate",
      "sec-fetch-dest": "document",
      "sec-fetch-site":
        init.referrerOrigin === undefined
          ? "none"
          : init.referrerOrigin === target.origin
            ? "same-origin"
            : "cross-site",
      ...(init.body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      ...(init.method === "POST" && init.referrerOrigin ? { origin: init.referrerOrigin } : {}),
      ...init.headers,
    };
    if (jar.size > 0 && !("cookie" in headers))
      headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const requestInit = {
      method: init.method ?? "GET",
      headers,
      body: init.body,
      redirect: "manual" as const,
    };
    const response =
      target.origin === this.workerOrigin
        ? await this.#toWorker(target, requestInit)
        : await fetch(url, requestInit);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const expired = /;\s*max-age=0/i.test(line) || /;\s*expires=[^;]*1970/i.test(line);
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    return response;
  }

  #toWorker(
    target: URL,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
  ): Promise<Response> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: this.#workerSocket.hostname,
          port: this.#workerSocket.port,
          method: init.method,
          path: `${target.pathname}${target.search}`,
          headers: { ...init.headers, host: target.host },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              for (const item of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, item);
            }
            const status = incoming.statusCode ?? 500;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers }));
          });
          incoming.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(init.body);
    });
  }

  /** Follows redirects (as browsers do: 302/303 become GET) until a page; returns it and the hops. */
  async navigate(
    url: string,
    init: { method?: string; body?: string; headers?: Record<string, string>; referrerOrigin?: string } = {},
  ): Promise<{ response: Response; url: string; hops: Hop[] }> {
    const hops: Hop[] = [];
    let current = url;
    let currentInit = init;
    for (let i = 0; i < 20; i++) {
      const response = await this.request(current, currentInit);
      const location = response.headers.get("location");
      hops.push({ method: currentInit.method ?? "GET", url: current, status: response.status, location });
      if (response.status < 300 || response.status >= 400 || location === null)
        return { response, url: current, hops };
      await response.arrayBuffer();
      const from = new URL(current).origin;
      current = new URL(location, current).href;
      currentInit = { referrerOrigin: from };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/** The value of a hidden form field in an HTML page. */
export function formField(html: string, name: string): string {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="${name}"`).exec(
    html,
  );
  if (!match) throw new Error(`no form field ${name}`);
  return (match[1] ?? match[2]) as string;
}
