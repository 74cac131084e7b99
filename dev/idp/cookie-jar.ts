/**
 * The smallest cookie jar that gets a scripted browser through one sign-in: it keeps `name=value`
 * per name and forgets a cookie when the server clears it. Paths, domains and flags are ignored,
 * which is fine for talking to one loopback host.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the `Set-Cookie` headers of a response into the jar. */
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = header.split(";");
      const separator = pair.indexOf("=");
      if (separator <= 0) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expires = attributes.find((a) => a.trim().toLowerCase().startsWith("expires="));
      const expired = expires !== undefined && Date.parse(expires.split("=")[1] ?? "") <= Date.now();
      if (value === "" || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` request header for everything in the jar ("" when empty). */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}
