import { NO_STORE } from "../respond/no-store.ts";

/** The one stylesheet of every page, inline; the CSP admits exactly it, by hash. */
export const PAGE_STYLE =
  ":root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5}" +
  "body{margin:0;display:grid;min-height:100vh;place-items:center;background:Canvas;color:CanvasText}" +
  "main{max-width:34rem;margin:2rem;padding:2rem;border:1px solid GrayText;border-radius:.75rem}" +
  "h1{font-size:1.4rem;margin:0 0 1rem}p{margin:.5rem 0}code{font-size:.9em}" +
  ".actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-top:1.5rem}" +
  "button,.button{font:inherit;padding:.45rem 1rem;border-radius:.4rem;border:1px solid GrayText;" +
  "background:ButtonFace;color:ButtonText;cursor:pointer;text-decoration:none}form{margin:0}";

/** `'sha256-…'` of PAGE_STYLE (a test recomputes it). */
export const PAGE_STYLE_HASH = "'sha256-f6fhEPrjnv/6TayyC7CRbemxrVUMesdPh8315BTDs4g='";

export interface PageOptions {
  readonly status: number;
  readonly title: string;
  /** Trusted markup: every value in it must have gone through `escapeHtml`. */
  readonly bodyHtml: string;
  /** Origins a form on the page may lead to besides this site (the provider's logout, after a redirect). */
  readonly formActionOrigins?: readonly string[];
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
  headers.set("content-security-policy", pagePolicy(options.formActionOrigins ?? []));
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) headers.set(name, value);
  return new Response(html, { status: options.status, headers });
}

/** Headers for every page and redirect edge-auth makes itself. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": NO_STORE,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

function pagePolicy(formActionOrigins: readonly string[]): string {
  const formAction = ["'self'", ...formActionOrigins].join(" ");
  return `default-src 'none'; style-src ${PAGE_STYLE_HASH}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

/** Text made safe for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
