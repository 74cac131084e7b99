import type { GateConfig } from "../config/config.ts";

/** Names of configuration fields that hold secrets: left out of the fingerprint altogether. */
const SECRET_FIELD = /secret|password|private/i;

/**
 * A short SHA-256 fingerprint of the configuration in effect (defaults included, secrets left out), so
 * an operator can tell which configuration every data centre is running.
 */
export async function configFingerprint(config: GateConfig): Promise<string> {
  const canonical = JSON.stringify(config, (key, value: unknown) => {
    if (SECRET_FIELD.test(key)) return undefined;
    if (typeof value === "function") return undefined;
    if (value instanceof URL) return value.href;
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const sorted: Record<string, unknown> = {};
      for (const name of Object.keys(value).sort()) sorted[name] = (value as Record<string, unknown>)[name];
      return sorted;
    }
    return value;
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)));
  const hex = [...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `sha256:${hex}`;
}

/** A configuration's fingerprint, worked out on first use and kept: the value, never a promise. */
export class ConfigFingerprint {
  #value: string | undefined;

  constructor(private readonly config: GateConfig) {}

  async value(): Promise<string> {
    this.#value ??= await configFingerprint(this.config);
    return this.#value;
  }
}
