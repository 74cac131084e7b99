// Asks the gate who is signed in (GET /auth/whoami) and shows it. No framework, no inline HTML.
//   [data-signed-in] / [data-signed-out]  shown only in that state (both show without JavaScript)
//   [data-name]                           filled with the signed-in user's name
//   [data-identity]                       identity card on /app/ and /admin/
const SIGN_IN = `/auth/login?return_to=${encodeURIComponent(location.pathname)}`;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function expiryDate(value) {
  if (typeof value === "number") return new Date(value < 1e12 ? value * 1000 : value);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function describeExpiry(value) {
  const date = expiryDate(value);
  if (!date) return "unknown";
  const minutes = Math.round((date.getTime() - Date.now()) / 60000);
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const when =
    Math.abs(minutes) < 90
      ? relative.format(minutes, "minute")
      : relative.format(Math.round(minutes / 60), "hour");
  return `${date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })} (${when})`;
}

function identityCard(me) {
  const name = me.name || me.email || me.sub;
  const initials = name
    .split(/[\s@.]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toUpperCase())
    .join("");
  const groups =
    Array.isArray(me.groups) && me.groups.length > 0
      ? element(
          "div",
          { class: "chips" },
          ...me.groups.map((g) => element("span", { class: `chip ${g}` }, g)),
        )
      : element("span", { class: "status" }, "none");
  const fact = (label, value) => [element("dt", {}, label), element("dd", {}, value)];
  return [
    element(
      "div",
      { class: "identity-head" },
      element("span", { class: "avatar", "aria-hidden": "true" }, initials),
      element(
        "div",
        {},
        element("p", { class: "identity-name" }, name),
        element("p", { class: "identity-email" }, me.email ?? ""),
      ),
    ),
    element(
      "dl",
      { class: "facts" },
      ...fact("Subject", element("code", {}, me.sub ?? "")),
      ...fact("Groups", groups),
      ...fact("Issuer", element("code", {}, me.issuer ?? "")),
      ...fact("Session ends", describeExpiry(me.expiresAt)),
    ),
  ];
}

function signInPrompt() {
  return [
    element("h2", {}, "You are not signed in"),
    element("p", {}, "Your session may have ended. Sign in again to see who the gate thinks you are."),
    element("a", { class: "button", href: SIGN_IN }, "Sign in"),
  ];
}

async function whoami() {
  const response = await fetch("/auth/whoami", {
    headers: { accept: "application/json" },
    credentials: "same-origin",
  });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function main() {
  const card = document.querySelector("[data-identity]");
  let me;
  try {
    me = await whoami();
  } catch (error) {
    if (card)
      card.replaceChildren(
        element("p", { class: "status error" }, `Could not ask the gate who you are (${error.message}).`),
      );
    return;
  }
  if (card) card.replaceChildren(...(me ? identityCard(me) : signInPrompt()));
  for (const node of document.querySelectorAll("[data-signed-in]")) node.hidden = !me;
  for (const node of document.querySelectorAll("[data-signed-out]")) node.hidden = Boolean(me);
  for (const node of document.querySelectorAll("[data-name]"))
    node.textContent = me ? me.name || me.email || me.sub : "";
}

main();
