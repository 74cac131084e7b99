/** Variant (a), the ceiling: no authentication at all, every request forwarded to the origin. */

interface Env {
  readonly ASSETS: Fetcher;
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return env.ASSETS.fetch(new Request(`http://origin.bench${url.pathname}${url.search}`, request));
  },
};
