import { NO_STORE } from "../respond/no-store.ts";

/** The one stylesheet of every page, inline; the CSP admits exactly it, by hash. */
export const PAGE_STYLE =
  ":root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--text:#1c1e21;--muted:#5b6470;--line:#dde1e6;--accent:#2f4bb0;--on-accent:#fff}" +
  "@media (prefers-color-scheme:dark){:root{--bg:#14161a;--card:#1d2026;--text:#e8eaed;--muted:#a3aab4;--line:#30353d;--accent:#8ea4f0;--on-accent:#0d1330}}" +
  "body{margin:0;display:grid;min-height:100vh;place-items:center;background:var(--bg);color:var(--text);" +
  "font:16px/1.55 system-ui,-apple-system,'Segoe UI',sans-serif}" +
  "main{box-sizing:border-box;max-width:34rem;width:calc(100% - 2rem);margin:1rem;padding:2rem;background:var(--card);" +
  "border:1px solid var(--line);border-radius:.9rem;box-shadow:0 1px 2px rgba(0,0,0,.04),0 8px 24px rgba(0,0,0,.06)}" +
  "h1{font-size:1.35rem;margin:0 0 .75rem}p{margin:.5rem 0;color:var(--muted)}strong{color:var(--text)}code{font-size:.9em}" +
  ".actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:1.5rem}" +
  "button,.button{font:inherit;font-weight:600;padding:.5rem 1.1rem;border-radius:.5rem;border:1px solid var(--accent);" +
  "background:var(--accent);color:var(--on-accent);cursor:pointer;text-decoration:none}a{color:var(--accent)}form{margin:0}";

/** `'sha256-…'` of PAGE_STYLE (a test recomputes it). */
export const PAGE_STYLE_HASH = "'sha256-1cuLelOY2E1OME3jm+40B2hWer/RD/z3ncmFqcjjLwE='";

export interface PageOptions {
  readonly status: number;
  readonly title: string;
  /** Trusted markup: every value in it must have gone through `escapeHtml`. */
  readonly bodyHtml: string;
  /** Origins a form on the page may lead to besides this site (the provider's logout, after a redirect). */
  readonly formActionOrigins?: readonly string[];
  /**
   * Origins that may show the page in a frame (the provider's, for front-channel logout); by default
   * none, and the page also says `X-Frame-Options: DENY`.
   */
  readonly frameAncestors?: readonly string[];
  readonly headers?: HeadersInit;
}

/**
 * A small self-contained HTML page (no script, no external asset) with the security headers every
 * page edge-auth serves carries: a CSP that allows only its own style, no framing, no referrer, no store.
 */
export function renderPage(options: PageOptions): Response {
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">' +
    `<title>${escapeHtml(options.title)}</title><style>${PAGE_STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(options.title)}</h1>${options.bodyHtml}</main></body></html>`;
  const headers = new Headers(options.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  const frameAncestors = options.frameAncestors ?? [];
  headers.set("content-security-policy", pagePolicy(options.formActionOrigins ?? [], frameAncestors));
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) headers.set(name, value);
  // X-Frame-Options cannot name an origin; CSP frame-ancestors says who may frame the page.
  if (frameAncestors.length > 0) headers.delete("x-frame-options");
  return new Response(html, { status: options.status, headers });
}

/** Headers for every page and redirect edge-auth makes itself. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": NO_STORE,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

function pagePolicy(formActionOrigins: readonly string[], frameAncestors: readonly string[]): string {
  const formAction = ["'self'", ...formActionOrigins].join(" ");
  const framers = frameAncestors.length === 0 ? "'none'" : frameAncestors.join(" ");
  return `default-src 'none'; style-src ${PAGE_STYLE_HASH}; form-action ${formAction}; frame-ancestors ${framers}; base-uri 'none'`;
}

/** Text made safe for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
