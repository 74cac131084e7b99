import type { DemoUser } from "./demo-users.ts";

/** Escapes text for use in HTML content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Content-Security-Policy for every page of the provider: inline CSS only, no scripts, no framing. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
:root { color-scheme: light dark; --bg: #f4f5f7; --card: #fff; --text: #1c2024; --muted: #5f6b7a;
  --line: #d9dde3; --accent: #3451b2; --accent-text: #fff; --error-bg: #fdecec; --error: #a5221c; }
@media (prefers-color-scheme: dark) { :root { --bg: #111316; --card: #1b1e23; --text: #e8eaed;
  --muted: #9aa3ad; --line: #2f343b; --accent: #8da4ef; --accent-text: #111316; --error-bg: #3b1816; --error: #ffb4ab; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 24px; background: var(--bg);
  color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: 100%; max-width: 380px; background: var(--card); border: 1px solid var(--line);
  border-radius: 12px; padding: 28px; box-shadow: 0 1px 2px rgb(0 0 0 / 6%), 0 8px 24px rgb(0 0 0 / 6%); }
.badge { display: inline-block; font-size: 12px; letter-spacing: .04em; text-transform: uppercase;
  color: var(--muted); border: 1px solid var(--line); border-radius: 999px; padding: 2px 10px; }
h1 { font-size: 22px; margin: 12px 0 4px; }
p { margin: 0 0 16px; color: var(--muted); }
label { display: block; font-size: 14px; font-weight: 600; margin: 14px 0 6px; }
input { width: 100%; font: inherit; color: inherit; background: transparent; padding: 10px 12px;
  border: 1px solid var(--line); border-radius: 8px; }
input:focus, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button { width: 100%; margin-top: 20px; font: inherit; font-weight: 600; padding: 10px 12px; border: 0;
  border-radius: 8px; background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.secondary { background: transparent; color: var(--text); border: 1px solid var(--line); margin-top: 10px; }
.error { background: var(--error-bg); color: var(--error); border-radius: 8px; padding: 10px 12px; margin: 0 0 8px; }
.hint { margin-top: 24px; padding-top: 16px; border-top: 1px solid var(--line); font-size: 14px; color: var(--muted); }
.hint table { width: 100%; border-collapse: collapse; margin-top: 6px; }
.hint td { padding: 4px 0; vertical-align: top; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--text); }
`;

/** Wraps a page body in the provider's shared layout. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · edge-auth dev IdP</title>
<style>${STYLE}</style>
</head>
<body><main><span class="badge">Development identity provider</span>
${body}
</main></body>
</html>`;
}

/** The sign-in form of an interaction; shows an error and keeps the login name after a failed attempt. */
export function loginPage(options: {
  action: string;
  clientName: string;
  users: readonly DemoUser[];
  username?: string;
  error?: string;
}): string {
  const rows = options.users
    .map(
      (u) =>
        `<tr><td><code>${escapeHtml(u.username)}</code> / <code>${escapeHtml(u.password)}</code></td>` +
        `<td>${escapeHtml(u.groups.join(", "))}</td></tr>`,
    )
    .join("");
  return page(
    "Sign in",
    `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(options.clientName)}</strong></p>
${options.error ? `<div class="error" role="alert">${escapeHtml(options.error)}</div>` : ""}
<form method="post" action="${escapeHtml(options.action)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" required autocapitalize="none" spellcheck="false"
 value="${escapeHtml(options.username ?? "")}"${options.username ? "" : " autofocus"}>
<label for="password">Password</label>
<input id="password" name="password" type="password" required${options.username ? " autofocus" : ""}>
<button type="submit">Sign in</button>
</form>
<div class="hint">Demo accounts (username / password, groups)<table>${rows}</table></div>`,
  );
}

/** A short message page (expired sign-in attempt, signed out, provider error). */
export function messagePage(title: string, message: string, extra = ""): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${extra}`);
}
